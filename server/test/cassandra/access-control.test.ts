import { applySchemaWithCli } from '../../../test-support/server-process.js';
import { accessControlScenarios } from '../auth/scenarios.js';
import { cassandraTarget, configBlock } from './target.js';

const target = cassandraTarget();

// The scenarios of server/test/auth/access-control.test.ts, on Cassandra.
accessControlScenarios(
  () => ({ cassandra: configBlock(target) }),
  (namespaces) => applySchemaWithCli(configBlock(target), `${target.endpoint.localDc}=1`, namespaces),
);
