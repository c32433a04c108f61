// CAN_BCM on the guest kernel: cyclic jobs and content-change watches, checked with can-utils
// (candump, cansend) on the same vcan interface. Judged on frame content and counts only.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { BcmFlag, canFdFrame, canFrame, openCanBcm, openCanRaw, type BcmEvent, type CanBcmSocket, type CanRawSocket } from '@rxsock/can';

/** The probe id a candump started here also receives, to know when it is listening. */
const PROBE = '7FE';

/**
 * Starts candump -L on `iface` with `filters` (plus the probe id) and resolves once it is
 * listening: it sends the probe until candump prints it. Process start-up in the emulated guest
 * takes seconds, so a fixed sleep would miss frames.
 */
interface Dump {
  /** The first `n` frames (probes left out), waiting up to `timeoutMs` for them. */
  lines(n: number, timeoutMs?: number): Promise<string[]>;
  /** Waits until a frame equal to `line` was printed. */
  until(line: string, timeoutMs?: number): Promise<void>;
  stop(): void;
}
const dumps: Dump[] = [];

async function candump(iface: string, filters: string[] = []): Promise<Dump> {
  const spec = filters.length ? `${iface},${[...filters, `${PROBE}:7FF`].join(',')}` : iface;
  const child = spawn('candump', ['-L', spec], { stdio: ['ignore', 'pipe', 'pipe'] });
  let buffered = '';
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout.on('data', (d: Buffer) => {
    buffered += d;
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) lines.push(p.split(' ').slice(1).join(' '));
    wake?.();
  });
  const probe = `${iface} ${PROBE}#`;
  for (let i = 0; !lines.some((l) => l.startsWith(probe)); i++) {
    if (i > 600) throw new Error('candump did not start listening');
    execFileSync('cansend', [iface, `${PROBE}#`]);
    await new Promise<void>((r) => {
      wake = r;
      setTimeout(r, 100);
    });
  }
  const frames = (): string[] => lines.filter((l) => !l.startsWith(probe));
  const wait = async (done: () => boolean, timeoutMs: number, failure: () => string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(failure());
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 200);
      });
    }
  };
  const dump: Dump = {
    async lines(n, timeoutMs = 60_000) {
      await wait(() => frames().length >= n, timeoutMs, () => `candump saw ${frames().length} of ${n} frames: ${frames().slice(0, 20).join(' | ')}`);
      return frames().slice(0, n);
    },
    async until(line, timeoutMs = 60_000) {
      await wait(() => frames().includes(line), timeoutMs, () => `candump never printed ${line}`);
    },
    stop: () => child.kill(),
  };
  dumps.push(dump);
  return dump;
}

const open: (CanBcmSocket | CanRawSocket)[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dumps.splice(0)) d.stop();
});
async function bcm(): Promise<CanBcmSocket> {
  const s = await openCanBcm({ interface: 'vcan0' });
  open.push(s);
  return s;
}
/** A CAN_RAW sender: frames microseconds apart, where cansend takes a process start each. */
function sender(): CanRawSocket {
  const s = openCanRaw({ interface: 'vcan0' });
  open.push(s);
  return s;
}
const dataOf = (e: BcmEvent): number[] | string => (e.type === 'changed' ? [...e.frame.data] : e.type);

describe('CAN_BCM cyclic transmission', () => {
  it('cycles a multiplexed frame set in order and stops on stop()', async () => {
    const s = await bcm();
    const dump = await candump('vcan0', ['321:7FF']);
    const job = await s.startCyclic([1, 2, 3].map((b) => canFrame({ id: 0x321, data: [b, 0xaa] })), { intervalMs: 5 });
    const lines = await dump.lines(9);
    dump.stop();
    // The kernel walks the set from its start: 01 02 03 01 02 03 ...
    const firsts = lines.map((l) => l.split('#')[1]!.slice(0, 2));
    const start = firsts.indexOf('01');
    expect(firsts.slice(start, start + 6)).toEqual(['01', '02', '03', '01', '02', '03'].slice(0, Math.min(6, firsts.length - start)));
    expect(lines.every((l) => /^vcan0 321#0[123]AA$/.test(l))).toBe(true);
    await job.stop();
    const after = await candump('vcan0', ['321:7FF']);
    await expect(after.lines(1, 3000)).rejects.toThrow(/saw 0 of 1/);
    after.stop();
  });

  it('closing the socket deletes its jobs, and disposing a job handle stops it', async () => {
    const s = await bcm();
    const dump = await candump('vcan0', ['324:7FF', '325:7FF']);
    await s.startCyclic(canFrame({ id: 0x324, data: [1] }), { intervalMs: 5 });
    const s2 = await bcm();
    const job = await s2.startCyclic(canFrame({ id: 0x325, data: [2] }), { intervalMs: 5 });
    const lines = await dump.lines(6);
    dump.stop();
    expect(new Set(lines)).toEqual(new Set(['vcan0 324#01', 'vcan0 325#02']));
    s.close(); // the kernel deletes the socket's jobs
    await job[Symbol.asyncDispose](); // `await using job = ...` ends here: TX_DELETE
    const after = await candump('vcan0', ['324:7FF', '325:7FF']);
    await expect(after.lines(1, 3000)).rejects.toThrow(/saw 0 of 1/);
    after.stop();
  });

  it('updates data without restarting the cycle (no STARTTIMER: the initial count keeps running down)', async () => {
    const s = await bcm();
    const dump = await candump('vcan0', ['322:7FF']);
    const job = await s.startCyclic(canFrame({ id: 0x322, data: [1] }), { intervalMs: 1000, initial: { count: 100000, intervalMs: 2 } });
    await dump.lines(5);
    const before = await job.status();
    expect(before.count).toBeLessThan(100000);
    await job.update(canFrame({ id: 0x322, data: [2] }));
    const after = await job.status();
    // A restart would reload count to 100000; an update leaves it running down.
    expect(after.count).toBeLessThanOrEqual(before.count);
    expect([...after.frames[0]!.data]).toEqual([2]);
    await dump.until('vcan0 322#02');
    dump.stop();
    await job.stop();
  });

  it('carries extended ids and CAN FD frames, and says when the initial frames are out', async () => {
    const s = await bcm();
    const dump = await candump('vcan0', ['12345678:1FFFFFFF']);
    const job = await s.startCyclic(canFrame({ id: 0x12345678, extended: true, data: [9] }), { intervalMs: 0, initial: { count: 3, intervalMs: 2 }, stopAfterInitial: true });
    await job.expired;
    expect(await dump.lines(3)).toEqual(['vcan0 12345678#09', 'vcan0 12345678#09', 'vcan0 12345678#09']);
    await expect(dump.lines(4, 2000)).rejects.toThrow(/saw 3 of 4/);
    dump.stop();
    await job.stop();
  });

  it('keeps reporting the end of the initial frames after an update (the kernel takes each TX_SETUP\'s flags)', async () => {
    const s = await bcm();
    const job = await s.startCyclic(canFrame({ id: 0x324, data: [1] }), { intervalMs: 0, initial: { count: 30, intervalMs: 10 }, stopAfterInitial: true });
    await job.update(canFrame({ id: 0x324, data: [2] }));
    // TX_READ answers with the job's flags as the kernel holds them.
    expect((await s.readTxStatus(job.canId)).flags & BcmFlag.TX_COUNTEVT).toBe(BcmFlag.TX_COUNTEVT);
    await job.expired; // resolves on TX_EXPIRED only
    expect((await job.status()).count).toBe(0);
    await job.stop();
  });

  it('sends CAN FD frames when the interface takes them', async () => {
    execFileSync('ip', ['link', 'set', 'vcan1', 'mtu', '72']);
    const s = await openCanBcm({ interface: 'vcan1' });
    open.push(s);
    const dump = await candump('vcan1', ['055:7FF']);
    await s.sendOnce(canFdFrame({ id: 0x55, brs: true, data: new Uint8Array(12).fill(7) }));
    expect(await dump.lines(1)).toEqual([`vcan1 055##5${'07'.repeat(12)}`]);
    dump.stop();
  });

  it('refuses a second job for one id, and a grown frame set with the kernel E2BIG', async () => {
    const s = await bcm();
    const job = await s.startCyclic(canFrame({ id: 0x323, data: [1] }), { intervalMs: 50 });
    await expect(s.startCyclic(canFrame({ id: 0x323, data: [1] }), { intervalMs: 50 })).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(job.update([canFrame({ id: 0x323, data: [1] }), canFrame({ id: 0x323, data: [2] })])).rejects.toMatchObject({ code: 'E2BIG', syscall: 'send' });
    await job.stop();
  });
});

/** Lets a watch's RX_SETUP (written asynchronously at subscribe) reach the kernel. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('CAN_BCM content-change receive', () => {
  const cansend = (frame: string): void => {
    execFileSync('cansend', ['vcan0', frame]);
  };

  it('reports the first frame and each change of the masked bytes, with kernel timestamps', async () => {
    const s = await bcm();
    const events = firstValueFrom(s.watch(0x400, { masks: [[0xff, 0x00]] }).pipe(take(3), toArray()));
    await settle();
    for (const f of ['400#0100', '400#0100', '400#0199', '400#0200', '400#0200', '400#0300']) cansend(f);
    const got = await events;
    expect(got.map((e) => (e.type === 'changed' ? [...e.frame.data] : e.type))).toEqual([[1, 0], [2, 0], [3, 0]]);
    for (const e of got) expect(e.timestampSec).toBeGreaterThan(1_600_000_000);
  });

  it('reports a missing frame as a timeout event and goes on', async () => {
    const s = await bcm();
    const got: BcmEvent[] = [];
    // No frame at first: a timeout; then one frame: a change; then silence again: a timeout.
    await new Promise<void>((resolve) => {
      const sub = s.watch(0x401, { masks: [[0xff]], timeoutMs: 100, announceResume: true }).subscribe((e) => {
        got.push(e);
        if (got.length === 1) cansend('401#AA');
        if (got.length === 3) {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    expect(got.map((e) => e.type)).toEqual(['timeout', 'changed', 'timeout']);
    expect(got[1]!.type === 'changed' && [...got[1]!.frame.data]).toEqual([0xaa]);
  });

  it('without masks reports every arrival of the id (RX_FILTER_ID), unchanged data included', async () => {
    const s = await bcm();
    const events = firstValueFrom(s.watch(0x402).pipe(take(4), toArray()));
    await settle();
    await sender().sendMany(['01', '01', '01', '02'].map((d) => canFrame({ id: 0x402, data: [Number.parseInt(d, 16)] })));
    expect((await events).map(dataOf)).toEqual([[1], [1], [1], [2]]);
  });

  it('reports a change of length alone (RX_CHECK_DLC) and can be told not to', async () => {
    const s = await bcm();
    // A mask of 0x00: no data bit is compared, only the length.
    const withLength = firstValueFrom(s.watch(0x403, { masks: [[0x00]] }).pipe(take(3), toArray()));
    const s2 = await bcm();
    const withoutLength = s2.watch(0x403, { masks: [[0x00]], checkLength: false });
    const seenWithout: BcmEvent[] = [];
    const sub = withoutLength.subscribe((e) => seenWithout.push(e));
    await settle();
    const frames = [[0x11], [0x22], [0x11, 0x22], [0x33]].map((data) => canFrame({ id: 0x403, data }));
    await sender().sendMany(frames);
    expect((await withLength).map(dataOf)).toEqual([[0x11], [0x11, 0x22], [0x33]]);
    await new Promise((r) => setTimeout(r, 300)); // the other socket's reports, if any, are in
    sub.unsubscribe();
    expect(seenWithout.map(dataOf)).toEqual([[0x11]]); // the first frame only
  });

  it('watches a multiplexed message: the first mask selects the mux, each other mask its bytes', async () => {
    const s = await bcm();
    const events = firstValueFrom(s.watch(0x404, { masks: [[0xff, 0x00], [0x01, 0xff], [0x02, 0xff]] }).pipe(take(3), toArray()));
    await settle();
    const sent = [[1, 0x10], [1, 0x10], [2, 0x20], [1, 0x11], [2, 0x20], [3, 0x10]];
    await sender().sendMany(sent.map((data) => canFrame({ id: 0x404, data })));
    expect((await events).map(dataOf)).toEqual([[1, 0x10], [2, 0x20], [1, 0x11]]);
  });

  it('throttles changes (ival2): a burst gives few reports, the last one with the latest data', async () => {
    const s = await bcm();
    const got: BcmEvent[] = [];
    const last = firstValueFrom(
      s.watch(0x405, { masks: [[0xff]], throttleMs: 400 }).pipe(
        filter((e) => {
          got.push(e);
          return e.type === 'changed' && e.frame.data[0] === 19;
        }),
      ),
    );
    await settle();
    await sender().sendMany(Array.from({ length: 20 }, (_, i) => canFrame({ id: 0x405, data: [i] })));
    await last;
    // 20 changes within microseconds: the first is reported at once, the rest wait out the
    // throttle and arrive as the latest one (emulation may split the burst over a few periods).
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got.length).toBeLessThanOrEqual(5);
    expect(dataOf(got[0]!)).toEqual([0]);
  });

  it('after a timeout reports the next frame even if unchanged, with announceResume only', async () => {
    const resume = await bcm();
    const plain = await bcm();
    const withResume = firstValueFrom(resume.watch(0x406, { masks: [[0xff]], timeoutMs: 150, announceResume: true }).pipe(take(3), toArray()));
    const withoutResume = firstValueFrom(plain.watch(0x407, { masks: [[0xff]], timeoutMs: 150 }).pipe(take(3), toArray()));
    await settle();
    const tx = sender();
    await tx.sendMany([canFrame({ id: 0x406, data: [0xaa] }), canFrame({ id: 0x407, data: [0xaa] })]);
    // both time out, then get the same data again; 0x407 then gets a real change
    await new Promise((r) => setTimeout(r, 1000));
    await tx.sendMany([canFrame({ id: 0x406, data: [0xaa] }), canFrame({ id: 0x407, data: [0xaa] }), canFrame({ id: 0x407, data: [0xbb] })]);
    expect((await withResume).map(dataOf)).toEqual([[0xaa], 'timeout', [0xaa]]);
    expect((await withoutResume).map(dataOf)).toEqual([[0xaa], 'timeout', [0xbb]]);
  });

  it('watches extended ids, and deletes the kernel job on unsubscribe', async () => {
    const s = await bcm();
    const first = firstValueFrom(s.watch(0x1abcdef0, { extended: true }));
    await settle();
    cansend('1ABCDEF0#11');
    const e = await first;
    expect(e.type === 'changed' && e.frame.extended && e.frame.id).toBe(0x1abcdef0);
    // firstValueFrom unsubscribed: watching the id again works (the old job is gone).
    const again = firstValueFrom(s.watch(0x1abcdef0, { extended: true }));
    await settle();
    cansend('1ABCDEF0#22');
    expect([...((await again) as { frame: { data: Uint8Array } }).frame.data]).toEqual([0x22]);
  });
});
