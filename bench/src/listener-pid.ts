import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// The benchmark measures processes it did not start (a Cassandra node, a server given by --url) by the TCP
// port they listen on: /proc/net/tcp{,6} names the listening socket's inode, and /proc/<pid>/fd the process that
// holds it. Only processes of this machine that this user may inspect can be found; elsewhere there is no figure.

const listening = '0A';

/** Inodes of the sockets listening on `port` (any address), from /proc/net/tcp and /proc/net/tcp6. */
export function listeningInodes(port: number, tables = ['/proc/net/tcp', '/proc/net/tcp6']): Set<string> {
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
      const localPort = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (localPort === port && fields[3] === listening && fields[9] !== undefined && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The lowest pid holding a socket that listens on `port` on this machine, or `undefined` when none can be seen. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    let descriptors: string[];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const descriptor of descriptors) {
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
