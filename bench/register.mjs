// Lets Node 20 run the benchmark's TypeScript as it is (no build step): `node --import ./bench/register.mjs bench/src/cli.ts`.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
