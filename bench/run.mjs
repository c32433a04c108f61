// Runs the benchmarks in bench/*.bench.mjs, each in its own process, and prints their results
// plus one JSON line each: {"name","unit","rxsock","peer","ratio"} (ratio > 1: rxsock is better).
// Usage: pnpm bench [NAME...]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here).filter((f) => f.endsWith('.bench.mjs')).map((f) => f.replace(/\.bench\.mjs$/, '')).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
// The benchmarks load the packages as users do, through dist/index.bundle.js: remade where dist
// is newer (a `tsc -b` without `pnpm build`).
const bundled = spawnSync(process.execPath, [join(here, '../scripts/bundle.mjs'), '--if-stale'], { stdio: 'inherit' });
if (bundled.status !== 0) process.exit(1);
let failed = 0;
for (const name of wanted.length ? wanted : all) {
  console.log(`\n== ${name}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, `${name}.bench.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${r.status}`);
  }
}
process.exit(failed ? 1 : 0);
