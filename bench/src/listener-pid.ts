import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { readOrEmpty } from './processes.js';

// The benchmark measures processes it did not start (a Cassandra node, a server given by --url) by the TCP
// port they listen on: /proc/net/tcp{,6} names the listening socket's inode, and /proc/<pid>/fd the process that
// holds it. Only processes of this machine that this user may inspect can be found; elsewhere there is no figure.

const listening = '0A';

/** An address as /proc/net/tcp{,6} prints it: each 32-bit word as a hexadecimal number in the host's byte order. */
function procHex(bytes: readonly number[]): string {
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const word = bytes.slice(i, i + 4);
    if (endianness() === 'LE') word.reverse();
    words.push(word.map((byte) => byte.toString(16).padStart(2, '0')).join(''));
  }
  return words.join('').toUpperCase();
}

/**
 * The local addresses (as /proc/net prints them) of a socket that a connection to `host` may reach: its own
 * address and the wildcards. Another address on the same port is another server (a node on 127.0.0.1:9042 is
 * not the one that --cassandra-host 127.0.0.2:9042 names).
 */
function listeningAddresses(host: string): Set<string> {
  const ipv4 = (octets: readonly number[]) => [procHex(octets), procHex([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...octets])];
  const ipv6Loopback = procHex([...new Array<number>(15).fill(0), 1]);
  const addresses = [procHex([0, 0, 0, 0]), procHex(new Array<number>(16).fill(0))];
  if (host === 'localhost') addresses.push(...ipv4([127, 0, 0, 1]), ipv6Loopback);
  else if (host === '::1' || host === '[::1]') addresses.push(ipv6Loopback);
  else {
    const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)?.slice(1).map(Number);
    if (octets !== undefined) addresses.push(...ipv4(octets));
  }
  return new Set(addresses);
}

/** Inodes of the sockets listening on `host`:`port` (or on every address), from /proc/net/tcp and /proc/net/tcp6. */
export function listeningInodes(host: string, port: number, tables = ['/proc/net/tcp', '/proc/net/tcp6']): Set<string> {
  const addresses = listeningAddresses(host);
  const inodes = new Set<string>();
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      const [address = '', localPort = ''] = fields[1]?.split(':') ?? [];
      if (
        Number.parseInt(localPort, 16) === port &&
        addresses.has(address) &&
        fields[3] === listening &&
        fields[9] !== undefined &&
        fields[9] !== '0'
      )
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The lowest pid holding a socket that listens on `host`:`port` on this machine, or `undefined` when none can be seen. */
export function pidListeningOn(host: string, port: number): number | undefined {
  const inodes = listeningInodes(host, port);
  if (inodes.size === 0) return undefined;
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    for (const descriptor of readOrEmpty(() => readdirSync(`/proc/${pid}/fd`))) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${descriptor}`))?.[1];
        if (inode !== undefined && inodes.has(inode)) return pid;
      } catch {
        // The descriptor closed between listing and reading.
      }
    }
  }
  return undefined;
}

/** Whether `host` (a host name or a URL's hostname) names this machine's loopback interface. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]';
}
