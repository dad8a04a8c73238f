import type { BuildInfo } from '../../src/build-info.js';

/** The build an app under test reports at /healthz and in kask_build_info. */
export const testBuild: BuildInfo = {
  version: '1.2.3',
  build_date: '2026-01-01T00:00:00Z',
  build_host: 'test',
  git_commit: '0123456789abcdef0123456789abcdef01234567',
  node_version: process.version,
};
