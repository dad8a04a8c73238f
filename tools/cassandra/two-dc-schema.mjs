// Makes a freshly started multi-data-centre cluster ready for kask-ts: waits until every node lists every
// other node as a peer (a keyspace naming a data centre that a node does not know yet is refused), then creates
// Kask's keyspace (NetworkTopologyStrategy, the given replicas per data centre) and table, and checks on every
// node that it has them. Prints the statements it ran.
// Usage: node two-dc-schema.mjs --node IP:PORT:DC --node IP:PORT:DC [--keyspace kask] [--table values]
//                               [--replicas 1] [--timeout SECONDS]
import { parseArgs } from 'node:util';
import cassandra from 'cassandra-driver';

const { values } = parseArgs({
  options: {
    node: { type: 'string', multiple: true, default: [] },
    keyspace: { type: 'string', default: 'kask' },
    table: { type: 'string', default: 'values' },
    replicas: { type: 'string', default: '1' },
    timeout: { type: 'string', default: '120' },
  },
});

const nodes = values.node.map((text) => {
  const match = /^([^:]+):(\d+):(.+)$/.exec(text);
  if (match === null) throw new Error(`--node is IP:PORT:DC, got '${text}'`);
  return { address: match[1], port: Number(match[2]), dataCentre: match[3] };
});
if (nodes.length < 2) throw new Error('name at least two nodes with --node');
const deadline = Date.now() + Number(values.timeout) * 1000;
const quote = (name) => `"${name.replaceAll('"', '""')}"`;
const replicas = Number(values.replicas);
const dataCentres = [...new Set(nodes.map((node) => node.dataCentre))];
const replication = dataCentres.map((dc) => `'${dc}': ${replicas}`).join(', ');
const statements = [
  `CREATE KEYSPACE IF NOT EXISTS ${quote(values.keyspace)} WITH replication = {'class': 'NetworkTopologyStrategy', ${replication}}`,
  `CREATE TABLE IF NOT EXISTS ${quote(values.keyspace)}.${quote(values.table)} (key text PRIMARY KEY, value blob)`,
];

/** A client that talks to `node` alone, so that each node answers for its own view of the cluster. */
function clientOf(node) {
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: [`${node.address}:${node.port}`],
    localDataCenter: node.dataCentre,
    socketOptions: { connectTimeout: 5000, readTimeout: 30000 },
    policies: {
      loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy(node.dataCentre), [
        `${node.address}:${node.port}`,
      ]),
    },
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function untilPeersKnown(node) {
  const others = nodes.filter((other) => other !== node);
  const client = clientOf(node);
  try {
    let known = [];
    while (Date.now() < deadline) {
      const rows = (await client.execute('SELECT peer, data_center FROM system.peers_v2')).rows;
      known = rows.map((row) => `${row.get('peer')}/${row.get('data_center')}`);
      if (others.every((other) => known.includes(`${other.address}/${other.dataCentre}`))) return;
      await sleep(250);
    }
    throw new Error(
      `${node.address} does not list every other node as a peer within ${values.timeout} s (knows ${known.join(', ') || 'none'})`,
    );
  } finally {
    await client.shutdown();
  }
}

async function replicationOn(node) {
  const client = clientOf(node);
  try {
    const row = (
      await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [values.keyspace])
    ).first();
    const tables = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [values.keyspace]);
    const hasTable = tables.rows.some((table) => table.get('table_name') === values.table);
    return { replication: row?.get('replication'), hasTable };
  } finally {
    await client.shutdown();
  }
}

await Promise.all(nodes.map(untilPeersKnown));
const first = clientOf(nodes[0]);
try {
  // The driver waits for schema agreement among the nodes after each change.
  for (const statement of statements) {
    console.error(`two-dc-schema: ${statement}`);
    await first.execute(statement);
  }
} finally {
  await first.shutdown();
}
for (const node of nodes) {
  const { replication: actual, hasTable } = await replicationOn(node);
  const wrong = actual === undefined || dataCentres.some((dc) => actual[dc] !== String(replicas));
  if (wrong || !hasTable) {
    console.error(`two-dc-schema: ${node.address} has keyspace replication ${JSON.stringify(actual)}, table: ${hasTable}`);
    console.error('  an existing keyspace keeps its replication: change it with ALTER KEYSPACE, or start with --fresh');
    process.exit(1);
  }
}
console.error(`two-dc-schema: keyspace ${values.keyspace} (${replication}) and table ${values.table} on every node`);
