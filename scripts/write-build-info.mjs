#!/usr/bin/env node
// Records when and where the server was compiled, as Kask's build does, for /healthz and kask_build_info.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

const info = { build_date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), build_host: hostname() };
writeFileSync(new URL('../server/dist/build-info.json', import.meta.url), `${JSON.stringify(info)}\n`);
