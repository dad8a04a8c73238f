import { accessControlScenarios } from '../auth/scenarios.js';
import { cassandraTarget } from './target.js';

const target = cassandraTarget();

// The scenarios of server/test/auth/access-control.test.ts, on Cassandra.
accessControlScenarios(() => {
  const { host, port, localDc, username, password } = target.endpoint;
  return {
    cassandra: {
      hosts: [host],
      port,
      local_dc: localDc,
      keyspace: target.keyspace,
      table: target.table,
      ...(username === undefined ? {} : { authentication: { username, password } }),
    },
  };
});
