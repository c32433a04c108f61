import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canFrame, formatCandumpLine, replay$, replayCandumpLog, sendReplay, type CandumpLogEntry, type CanFrame } from '@rxsock/can';

const at = (ms: number, id: number, name = 'vcan0'): CandumpLogEntry => ({
  frame: canFrame({ id, data: [id & 0xff] }),
  interfaceName: name,
  timestampSec: 1000 + Math.floor(ms / 1000),
  timestampNsec: (ms % 1000) * 1_000_000,
});

async function collect(it: AsyncIterable<CandumpLogEntry>): Promise<number[]> {
  const ids: number[] = [];
  for await (const e of it) ids.push((e.frame as { id: number }).id);
  return ids;
}

describe('replay', () => {
  it('plays every entry in order, as fast as taken, n times', async () => {
    const log = [at(0, 1), at(5000, 2), at(10_000, 3)];
    const t0 = performance.now();
    expect(await collect(replayCandumpLog(log, { timing: 'fast', loop: 3 }))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3]);
    // 10 s of log time were not waited for
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('waits for each entry at its original pace, scaled by speed', async () => {
    const log = [at(0, 1), at(100, 2), at(200, 3)];
    let t0 = performance.now();
    expect(await collect(replayCandumpLog(log))).toEqual([1, 2, 3]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(195);
    t0 = performance.now();
    await collect(replayCandumpLog(log, { speed: 4 }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
  });

  it('skips long gaps and restarts its clock when time goes backwards', async () => {
    const t0 = performance.now();
    expect(await collect(replayCandumpLog([at(0, 1), at(60_000, 2), at(0, 3)], { skipGapSec: 1 }))).toEqual([1, 2, 3]);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('reads a log file once per loop, and refuses to loop a one-shot stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-replay-'));
    try {
      const path = join(dir, 'r.log');
      writeFileSync(path, [at(0, 7), at(1, 8)].map((e) => formatCandumpLine(e) + '\n').join(''));
      expect(await collect(replayCandumpLog(path, { timing: 'fast', loop: 2 }))).toEqual([7, 8, 7, 8]);
      async function* once() {
        yield at(0, 1);
      }
      await expect(collect(replayCandumpLog(once(), { loop: 2, timing: 'fast' }))).rejects.toThrow(/one-shot/);
      await expect(replayCandumpLog([], { loop: 0 }).next()).rejects.toBeInstanceOf(RangeError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is an Observable that stops when unsubscribed, even when looping forever', async () => {
    const got: number[] = [];
    await new Promise<void>((resolve) => {
      const sub = replay$([at(0, 1), at(1, 2)], { timing: 'fast', loop: true }).subscribe((e) => {
        got.push((e.frame as { id: number }).id);
        if (got.length === 7) {
          sub.unsubscribe();
          setTimeout(resolve, 20);
        }
      });
    });
    expect(got).toEqual([1, 2, 1, 2, 1, 2, 1]);
  });

  it('sends to the target chosen per logged interface, skipping interfaces without one', async () => {
    const sent: string[] = [];
    const target = (name: string) => ({
      async send(frame: CanFrame) {
        await new Promise((r) => setImmediate(r));
        sent.push(`${name}:${(frame as { id: number }).id.toString(16)}`);
      },
    });
    const log = [at(0, 0x10, 'can0'), at(1, 0x11, 'can1'), at(2, 0x12, 'can0')];
    expect(await sendReplay((name) => (name === 'can0' ? target('vcan5') : undefined), log, { timing: 'fast' })).toEqual({ sent: 2, skipped: 1 });
    expect(sent).toEqual(['vcan5:10', 'vcan5:12']);
  });
});
