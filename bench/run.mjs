// Runs the benchmarks in bench/*.bench.mjs, each in its own process, and prints their results
// plus one JSON line each: {"name","unit","rxsock","peer","ratio"} (ratio > 1: rxsock is better).
// The JSON lines also go to bench/last-run.jsonl, after a first line that says when the run
// started, at which commit and on what: `node bench/table.mjs` makes the README's table of them.
// Usage: pnpm bench [NAME...]
import { readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { isResultLine } from './table.mjs';

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

const record = join(here, 'last-run.jsonl');
const git = (...args) => spawnSync('git', args, { cwd: here, encoding: 'utf8' }).stdout?.trim() ?? '';
const run = {
  started: new Date().toISOString(),
  commit: git('rev-parse', '--short', 'HEAD'),
  changed: git('status', '--porcelain', '--untracked-files=no') !== '',
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model,
  benchmarks: wanted.length ? wanted : all,
};
writeFileSync(record, `${JSON.stringify({ run })}\n`);

/** Runs one benchmark, its output passed through, its JSON lines kept; resolves with its exit code. */
function runBenchmark(name) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', join(here, `${name}.bench.mjs`)], { stdio: ['inherit', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(line);
      if (isResultLine(line)) appendFileSync(record, `${line}\n`);
    });
    child.on('close', (code, signal) => resolve(code ?? signal));
  });
}

let failed = 0;
for (const name of run.benchmarks) {
  console.log(`\n== ${name}`);
  const status = await runBenchmark(name);
  if (status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${status}`);
  }
}
console.log(`\nresults: ${record}`);
process.exit(failed ? 1 : 0);
