/**
 * rx(): rxsock's Observables are built from a few of rxjs's own modules, not its whole index,
 * and they are the instances an application importing rxjs gets.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as Rx from 'rxjs';
import { rx } from '../../src/index.js';

describe('rx()', () => {
  it("gives the very functions and classes rxjs's index exports (instanceof and operators interoperate)", () => {
    const parts = rx() as unknown as Record<string, unknown>;
    const names = Object.keys(parts);
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(parts[name], name).toBe((Rx as unknown as Record<string, unknown>)[name]);
    const made = new (rx().Observable)<number>((s) => s.next(1));
    expect(made).toBeInstanceOf(Rx.Observable);
  });

  it("loads a fraction of rxjs's modules and never its index, in a process of its own", () => {
    const core = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = `
      const { rx } = await import(${JSON.stringify(core)});
      const { createRequire } = await import('node:module');
      rx().Observable;
      const loaded = Object.keys(createRequire(${JSON.stringify(core)}).cache).filter((k) => k.includes('/rxjs/'));
      console.log(JSON.stringify({ count: loaded.length, index: loaded.some((k) => k.endsWith('/dist/cjs/index.js')) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { count, index } = JSON.parse(r.stdout) as { count: number; index: boolean };
    expect(index).toBe(false);
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(100); // the whole of rxjs 7.8 is 223
  });
});
