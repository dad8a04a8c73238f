import { accessControlScenarios } from './scenarios.js';

// On the embedded store; server/test/cassandra/access-control.test.ts runs the same on Cassandra.
accessControlScenarios(() => ({}));
