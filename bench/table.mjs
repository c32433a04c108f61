// The README's "Measured here" table, made from the JSON lines of one `pnpm bench` run
// (bench/last-run.jsonl, written by bench/run.mjs): a row per result, in the order the run made
// them, each described by bench/rows.mjs. Made, never typed: the README's table is this output.
// Usage: node bench/table.mjs [FILE] [--readme]
//   FILE      the run's JSON lines (default bench/last-run.jsonl)
//   --readme  writes the table into README.md between its measured-here markers, and FILE to
//             bench/measured-here.jsonl beside it (the run the README shows), instead of printing
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeRow } from './rows.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const README = join(here, '../README.md');
export const MEASURED_HERE = join(here, 'measured-here.jsonl');
export const BEGIN = '<!-- measured-here: made by `node bench/table.mjs --readme`; do not edit -->';
export const END = '<!-- measured-here: end -->';

/** Whether a line of a benchmark's output is one of its results (see bench/report.mjs). */
export function isResultLine(line) {
  return line.startsWith('{"name":');
}

/** The run line and the results of a run's JSON lines. */
export function readRun(text) {
  let run;
  const results = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const value = JSON.parse(line);
    if (value.run) run = value.run;
    else if (typeof value.name === 'string') results.push(value);
  }
  if (!run) throw new Error('no run line: not a file bench/run.mjs wrote');
  return { run, results };
}

/** The markdown: a line on the run, then the table. */
export function tableOf({ run, results }) {
  const machine = `Node ${run.node}, ${run.cpus} × ${run.cpu}`;
  const head = [
    `One \`pnpm bench\` run of ${run.benchmarks.length === 1 ? 'one benchmark' : `${run.benchmarks.length} benchmarks`}, started ${run.started.slice(0, 16).replace('T', ' ')} UTC at commit ${run.commit}${run.changed ? ' (with changes not committed)' : ''}; ${machine}.`,
    'Each cell is the median over the rounds, then the lowest and highest round in brackets; a ratio above 1 means rxsock did better,',
    'and its brackets are the lowest and highest ratio of a round against the peer round beside it.',
    '',
    '| benchmark | rxsock | peer | ratio |',
    '| --- | --- | --- | --- |',
  ];
  return [...head, ...results.map(rowOf)].join('\n');
}

function rowOf(r) {
  const rounds = r.rounds > 1 ? `, ${r.rounds} rounds` : r.rounds === 1 ? ', one round' : '';
  // A side that could not be measured says why (bench/capture.bench.mjs: a peer that crashed).
  const peer = r.peer === null ? `${r.peerName}: ${r.error}` : `${r.peerName} ${cell(r.peer, r.peerSpread)}`;
  return `| \`${r.name}\`: ${describeRow(r)} (${r.unit}${rounds}) | ${cell(r.rxsock, r.rxsockSpread)} | ${peer} | ${ratioCell(r)} |`;
}

function cell(median, spread) {
  if (median === null) return 'not measured';
  if (!spread || spread[0] === spread[1]) return number(median);
  return `${number(median)} [${number(spread[0])}–${number(spread[1])}]`;
}

function ratioCell(r) {
  if (r.ratio === null) return 'none';
  const ratio = r.ratio.toFixed(2);
  return r.ratioSpread ? `${ratio} [${r.ratioSpread[0].toFixed(2)}–${r.ratioSpread[1].toFixed(2)}]` : ratio;
}

/** Two decimals below 100; above, a whole number grouped by thousands. */
function number(x) {
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(2);
}

/** `readme` with its measured-here section replaced by `table`. */
export function withTable(readme, table) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no measured-here section (${BEGIN} ... ${END})`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${table}\n${readme.slice(end)}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--')) ?? join(here, 'last-run.jsonl');
  const table = tableOf(readRun(readFileSync(file, 'utf8')));
  if (args.includes('--readme')) {
    writeFileSync(README, withTable(readFileSync(README, 'utf8'), table));
    if (resolve(file) !== MEASURED_HERE) copyFileSync(file, MEASURED_HERE);
    console.log(`README.md: the table of ${file}; the run kept as ${MEASURED_HERE}`);
  } else {
    console.log(table);
  }
}
