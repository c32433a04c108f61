// The README's "Measured here" table is bench/table.mjs's output for the run kept in
// bench/measured-here.jsonl: made from one `pnpm bench`, never typed by hand.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchFile = (name: string) => fileURLToPath(new URL(`../bench/${name}`, import.meta.url));

interface BenchTable {
  README: string;
  MEASURED_HERE: string;
  BEGIN: string;
  END: string;
  readRun(text: string): { run: Record<string, unknown>; results: Record<string, unknown>[] };
  tableOf(run: { run: Record<string, unknown>; results: Record<string, unknown>[] }): string;
  withTable(readme: string, table: string): string;
}

const table = (await import(pathToFileURL(benchFile('table.mjs')).href)) as BenchTable;

const run = {
  started: '2026-12-04T16:29:33.000Z',
  commit: 'abc1234',
  changed: false,
  node: 'v20.20.0',
  cpus: 2,
  cpu: 'Some CPU',
  benchmarks: ['udp-pingpong'],
};
const result = (fields: Record<string, unknown>) =>
  JSON.stringify({ name: 'udp-pingpong', unit: 'us/roundtrip', rxsock: 23.3, peer: 28.08, peerName: 'node:dgram', ratio: 1.2, rxsockSpread: [23.3, 26.96], peerSpread: [27.54, 28.54], ratioSpread: [1.05, 1.23], rounds: 5, size: 64, goal: 'at or below node:dgram (ratio >= 1)', ...fields });

describe("the README's measured-here table", () => {
  it('is the table of the run kept in bench/measured-here.jsonl', () => {
    const kept = table.readRun(readFileSync(table.MEASURED_HERE, 'utf8'));
    expect(kept.results.length).toBeGreaterThan(10);
    const readme = readFileSync(table.README, 'utf8');
    expect(readme).toContain(table.BEGIN);
    expect(table.withTable(readme, table.tableOf(kept))).toBe(readme);
  });

  it('gives each result a row: its text, medians with their rounds in brackets, and the paired ratios', () => {
    const text = table.tableOf(table.readRun(`${JSON.stringify({ run })}\n${result({})}\n`));
    const lines = text.split('\n');
    expect(lines[0]).toContain('started 2026-12-04 16:29 UTC at commit abc1234');
    expect(lines.at(-1)).toBe(
      '| `udp-pingpong`: 64-byte UDP request/response on loopback, `udpSocket()` defaults (goal: at or below node:dgram (ratio >= 1)) (us/roundtrip, 5 rounds) | 23.30 [23.30–26.96] | node:dgram 28.08 [27.54–28.54] | 1.20 [1.05–1.23] |',
    );
  });

  it('says when a side was not measured, and why', () => {
    const text = table.tableOf(table.readRun(`${JSON.stringify({ run })}\n${result({ peer: null, ratio: null, peerSpread: undefined, ratioSpread: undefined, error: 'node:dgram crashed' })}\n`));
    expect(text.split('\n').at(-1)).toMatch(/\| node:dgram: node:dgram crashed \| none \|$/);
  });

  it('refuses a result no row describes, and a file with no run line', () => {
    expect(() => table.tableOf(table.readRun(`${JSON.stringify({ run })}\n${result({ name: 'no-such-benchmark' })}\n`))).toThrow(/describes no result named no-such-benchmark/);
    expect(() => table.readRun(`${result({})}\n`)).toThrow(/no run line/);
  });

  it('replaces only what lies between the markers', () => {
    const readme = `before\n${table.BEGIN}\nold table\n${table.END}\nafter\n`;
    expect(table.withTable(readme, 'new table')).toBe(`before\n${table.BEGIN}\nnew table\n${table.END}\nafter\n`);
    expect(() => table.withTable('no markers', 'x')).toThrow(/no measured-here section/);
  });
});
