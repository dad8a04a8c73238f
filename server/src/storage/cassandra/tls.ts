import { lookup, resolve4, resolve6 } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, type PeerCertificate } from 'node:tls';

/** Client TLS to Cassandra: the CA that signed the nodes' certificates, and an optional client certificate. */
export interface CassandraTlsOptions {
  readonly caPath: string;
  readonly certPath?: string;
  readonly keyPath?: string;
  /**
   * Kask's `enable_host_verification`: a node's certificate must name the node, not only chain to the CA. The
   * driver connects by IP address (contact points are resolved, peers are discovered by address), so the name
   * checked is the address itself, or a configured host name that resolves to it (see nodeIdentityError).
   */
  readonly verifyHostName: boolean;
}

// A node at an address no configured name led to sends the names to DNS again, at most this often.
const refreshIntervalMs = 5000;

async function addressesOf(name: string): Promise<string[]> {
  // The driver resolves contact points with resolve4/resolve6 and falls back to the system resolver; any of
  // those addresses may be the one it connects to, so all of them lead back to the name.
  const settled = await Promise.allSettled([
    resolve4(name),
    resolve6(name),
    lookup(name, { all: true }).then((found) => found.map((entry) => entry.address)),
  ]);
  return settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
}

/** The configured host names by the addresses they resolve to, so that a node reached by IP can be checked by name. */
export class ContactPointNames {
  readonly #names: readonly string[];
  #byAddress: ReadonlyMap<string, readonly string[]> = new Map();
  #refreshing: Promise<void> | undefined;
  #refreshedAt = 0;

  constructor(hosts: readonly string[]) {
    this.#names = hosts.filter((host) => isIP(host) === 0);
  }

  /** Resolves every configured name again; a name that does not resolve keeps no address. */
  async refresh(): Promise<void> {
    this.#refreshedAt = Date.now();
    const byAddress = new Map<string, string[]>();
    for (const name of this.#names) {
      for (const address of await addressesOf(name)) byAddress.set(address, [...(byAddress.get(address) ?? []), name]);
    }
    this.#byAddress = byAddress;
  }

  /**
   * The configured names that resolve to `address`. None is also the sign that DNS may have moved a name (a
   * node replaced at a new address): the names are resolved again in the background, and the driver's next
   * reconnection to that node finds them.
   */
  namesAt(address: string): readonly string[] {
    const names = this.#byAddress.get(address);
    if (names === undefined && this.#refreshing === undefined && Date.now() - this.#refreshedAt >= refreshIntervalMs) {
      this.#refreshing = this.refresh()
        .catch(() => undefined)
        .finally(() => {
          this.#refreshing = undefined;
        });
    }
    return names ?? [];
  }
}

/**
 * Why the node at `address` is not the node its certificate names, or undefined when it is: the certificate
 * names the address (an IP subjectAltName, what Kask's driver checks), or one of `names`, the configured host
 * names that resolve to the address (what a driver connecting by name would check).
 */
export function nodeIdentityError(address: string, certificate: PeerCertificate, names: readonly string[]): Error | undefined {
  if (checkServerIdentity(address, certificate) === undefined) return undefined;
  if (names.some((name) => checkServerIdentity(name, certificate) === undefined)) return undefined;
  const named = certificate.subjectaltname ?? `CN=${certificate.subject?.CN ?? ''}`;
  const configured = names.length === 0 ? 'no cassandra.hosts name resolves to it' : `nor ${names.join(', ')}`;
  return new Error(
    `cassandra node ${address}: its certificate names ${named}, not that address (${configured}); ` +
      'list the node in cassandra.hosts by a name its certificate carries, or set cassandra.tls.enable_host_verification: false',
  );
}

/** The TLS options of the driver: the chain is always verified; the node's name when `verifyHostName`. */
export async function driverTlsOptions(tls: CassandraTlsOptions, hosts: readonly string[]): Promise<ConnectionOptions> {
  let checkIdentity: ConnectionOptions['checkServerIdentity'] = () => undefined;
  if (tls.verifyHostName) {
    const names = new ContactPointNames(hosts);
    await names.refresh();
    // Node calls this with the host it connected to: the driver passes the node's IP address and no servername.
    checkIdentity = (address, certificate) => nodeIdentityError(address, certificate, names.namesAt(address));
  }
  return {
    ca: [readFileSync(tls.caPath)],
    cert: tls.certPath === undefined ? undefined : readFileSync(tls.certPath),
    key: tls.keyPath === undefined ? undefined : readFileSync(tls.keyPath),
    // NOTE: cassandra-driver 4.x defaults rejectUnauthorized to false; the chain must always be verified, and
    // Kask's enable_host_verification: false turns off only the name check (gocql would skip both).
    rejectUnauthorized: true,
    checkServerIdentity: checkIdentity,
  };
}
