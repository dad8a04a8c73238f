import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processRuns } from '../../test-support/child-process.js';

const run = promisify(execFile);

/**
 * A private network of network namespaces for a run's partitions: one namespace per host (a Cassandra node or a
 * kask-ts server), each with its own address on a bridge, so that a rule by address cuts exactly one host off (on
 * loopback every outbound connection leaves from 127.0.0.1). The bridge lives in a namespace of its own, and this
 * process's namespace reaches the hosts through one veth (`.1`), so that the clients, which stand for the users, keep
 * reaching every server whatever the partition. Nothing of the machine's own interfaces, routes or firewall changes
 * but that veth and its route, gone with `remove()`. Needs root (ip netns, iptables).
 */
export interface PrivateNetwork {
  /** The network's name (`kh<N>`), which every namespace's name begins with. */
  readonly name: string;
  /** The address of `host` (as named to `create`). */
  address(host: string): string;
  /** The namespace `host` runs in (for `ip netns exec`). */
  namespace(host: string): string;
  /** The command prefix that runs a program in `host`'s namespace. */
  runIn(host: string): string[];
  /** Cuts `side` off from every other host (not from this process): packets either way are dropped, silently. */
  isolate(side: readonly string[]): Promise<void>;
  /** Undoes every `isolate`. */
  heal(): Promise<void>;
  /** Removes every namespace and link made, after SIGKILL of any process still in one (all started by this run). */
  remove(): Promise<void>;
}

const subnets = 256;

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function inNamespace(namespace: string, ...command: string[]): Promise<void> {
  await run('ip', ['netns', 'exec', namespace, ...command]);
}

/** Which process holds network `link`: a file beside the others' (tmpdir), so that a later run can tell it is gone. */
const ownerFile = (link: string) => join(tmpdir(), `kask-histories-${link}.pid`);

/** The names of this project's networks' namespaces and links now present (`kh<N>`, `kh<N>-<host>`). */
async function present(): Promise<{ links: string[]; namespaces: string[] }> {
  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.matchAll(/^\d+: (kh\d+)@/gm);
  const namespaces = (await run('ip', ['netns', 'list'])).stdout.matchAll(/^(kh\d+-\S+)/gm);
  return { links: [...links].map((match) => match[1] as string), namespaces: [...namespaces].map((match) => match[1] as string) };
}

/** SIGKILL of every process in `namespace` (each one a run of this project started there), then its removal. */
async function removeNamespace(namespace: string): Promise<void> {
  const pids = (await run('ip', ['netns', 'pids', namespace]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  await ip('netns', 'delete', namespace).catch(() => {});
}

/**
 * Removes what a run killed before its clean-up left (a network whose owner process is gone), so that no namespace,
 * link or process of it outlives it for longer than until the next run.
 */
async function removeAbandoned(): Promise<void> {
  const { links, namespaces } = await present();
  for (const link of links) {
    let owner: number;
    try {
      owner = Number(readFileSync(ownerFile(link), 'utf8'));
    } catch {
      continue; // no owner file (yet): another run is making it
    }
    if (processRuns(owner)) continue;
    for (const namespace of namespaces.filter((name) => name.startsWith(`${link}-`))) await removeNamespace(namespace);
    await ip('link', 'delete', link).catch(() => {});
    rmSync(ownerFile(link), { force: true });
  }
}

/**
 * Makes a network 10.228.N.0/24 for `hosts` (at most 200), N the first subnet that no other run holds: its veth's
 * name (`kh<N>`) is the lock, as the kernel makes a link of one name once.
 */
export async function createNetwork(hosts: readonly string[]): Promise<PrivateNetwork> {
  await removeAbandoned();
  for (let subnet = 0; subnet < subnets; subnet++) {
    const link = `kh${subnet}`;
    try {
      await ip('link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`);
    } catch {
      continue;
    }
    writeFileSync(ownerFile(link), String(process.pid));
    const network = new Network(subnet, hosts);
    try {
      await network.build();
    } catch (error) {
      await network.remove();
      throw error;
    }
    return network;
  }
  throw new Error('no free subnet 10.228.N.0/24 for a private network');
}

class Network implements PrivateNetwork {
  readonly name: string;
  readonly #link: string;
  readonly #prefix: string;
  readonly #hub: string;
  readonly #hosts: ReadonlyMap<string, { namespace: string; address: string }>;
  readonly #made: string[] = [];
  readonly #isolated = new Set<string>();

  constructor(subnet: number, hosts: readonly string[]) {
    this.#link = `kh${subnet}`;
    this.name = this.#link;
    this.#prefix = `10.228.${subnet}`;
    this.#hub = `${this.#link}-hub`;
    this.#hosts = new Map(
      hosts.map((host, i) => [host, { namespace: `${this.#link}-${host}`, address: `${this.#prefix}.${i + 10}` }]),
    );
  }

  async build(): Promise<void> {
    await this.#namespace(this.#hub);
    await inNamespace(this.#hub, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    await inNamespace(this.#hub, 'ip', 'link', 'set', 'br0', 'up');
    await ip('link', 'set', `${this.#link}p`, 'netns', this.#hub);
    await this.#plug(`${this.#link}p`);
    await ip('addr', 'add', `${this.#prefix}.1/24`, 'dev', this.#link);
    await ip('link', 'set', this.#link, 'up');
    let port = 0;
    for (const { namespace, address } of this.#hosts.values()) {
      await this.#namespace(namespace);
      const hubSide = `p${port++}`;
      await ip('link', 'add', 'eth0', 'netns', namespace, 'type', 'veth', 'peer', 'name', hubSide, 'netns', this.#hub);
      await this.#plug(hubSide);
      await inNamespace(namespace, 'ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      await inNamespace(namespace, 'ip', 'link', 'set', 'eth0', 'up');
    }
  }

  async #namespace(name: string): Promise<void> {
    await ip('netns', 'add', name);
    this.#made.push(name);
    await inNamespace(name, 'ip', 'link', 'set', 'lo', 'up');
  }

  async #plug(hubSide: string): Promise<void> {
    await inNamespace(this.#hub, 'ip', 'link', 'set', hubSide, 'master', 'br0');
    await inNamespace(this.#hub, 'ip', 'link', 'set', hubSide, 'up');
  }

  #host(host: string): { namespace: string; address: string } {
    const found = this.#hosts.get(host);
    if (found === undefined) throw new Error(`no host ${host} in this network`);
    return found;
  }

  address(host: string): string {
    return this.#host(host).address;
  }

  namespace(host: string): string {
    return this.#host(host).namespace;
  }

  runIn(host: string): string[] {
    return ['ip', 'netns', 'exec', this.namespace(host)];
  }

  async isolate(side: readonly string[]): Promise<void> {
    const inside = new Set(side);
    const others = [...this.#hosts.keys()].filter((host) => !inside.has(host)).map((host) => this.address(host));
    // Dropped on the cut-off side, both ways: the other side's packets go unanswered, as behind a broken link (no reset).
    for (const host of side) {
      const { namespace } = this.#host(host);
      for (const address of others) {
        await inNamespace(namespace, 'iptables', '-A', 'INPUT', '-s', address, '-j', 'DROP');
        await inNamespace(namespace, 'iptables', '-A', 'OUTPUT', '-d', address, '-j', 'DROP');
      }
      this.#isolated.add(host);
    }
  }

  async heal(): Promise<void> {
    for (const host of this.#isolated) {
      const { namespace } = this.#host(host);
      await inNamespace(namespace, 'iptables', '-F', 'INPUT');
      await inNamespace(namespace, 'iptables', '-F', 'OUTPUT');
    }
    this.#isolated.clear();
  }

  async remove(): Promise<void> {
    // Deleting a namespace deletes the veth ends in it, and with them their peers; the hub goes last.
    for (const name of this.#made.reverse()) await removeNamespace(name);
    this.#made.length = 0;
    await ip('link', 'delete', this.#link).catch(() => {});
    rmSync(ownerFile(this.#link), { force: true });
    const left = await present();
    const ours = [...left.links, ...left.namespaces].filter((name) => name === this.#link || name.startsWith(`${this.#link}-`));
    if (ours.length > 0) throw new Error(`network ${this.#link}: still present after its removal: ${ours.join(', ')}`);
  }
}
