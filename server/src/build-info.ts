import { readFileSync } from 'node:fs';

/** What /healthz and kask_build_info report about this build. */
export interface BuildInfo {
  readonly version: string;
  readonly build_date: string;
  readonly build_host: string;
  /** The commit it was built from (`-modified` when its files differed), or `unknown` outside a git checkout. */
  readonly git_commit: string;
  readonly node_version: string;
}

function readJson(relative: string): Record<string, string> | undefined {
  try {
    return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The build's facts: written next to the compiled code by `npm run build`; from source they read "unbuilt". */
export function readBuildInfo(): BuildInfo {
  const pkg = readJson('../../package.json');
  const build = readJson('./build-info.json');
  return Object.freeze({
    version: pkg?.version ?? 'unknown',
    build_date: build?.build_date ?? 'unbuilt',
    build_host: build?.build_host ?? 'unbuilt',
    git_commit: build?.git_commit ?? 'unbuilt',
    node_version: process.version,
  });
}
