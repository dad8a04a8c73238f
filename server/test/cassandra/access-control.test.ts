import { accessControlScenarios } from '../auth/scenarios.js';
import { cassandraTarget, configBlock } from './target.js';

const target = cassandraTarget();

// The scenarios of server/test/auth/access-control.test.ts, on Cassandra.
accessControlScenarios(() => ({ cassandra: configBlock(target) }));
