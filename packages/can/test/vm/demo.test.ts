// The CAN telemetry demo (`pnpm demo:can`, examples/can-telemetry) run in-process on its own vcan
// interface: ECUs on CAN_BCM, DBC decode, windowed figures, JSON lines over UDP. Judged on the
// counts at every stage and on the decoded values, never on time.
import { beforeAll, describe, expect, it } from 'vitest';
import { canFrame, loadDbcFile, openCanRaw } from '@rxsock/can';
import { requireCanKernel, withVcan } from './support/index.js';

interface MessageCounts {
  name: string;
  periodMs: number;
  planned: number;
  kernelSent: number | undefined;
  onBus: number;
  decoded: number;
  udpSent: number;
  udpReceived: number;
}
interface SignalTotals {
  key: string;
  count: number;
  min: number;
  max: number;
  outOfRange: number;
}
interface Summary {
  ok: boolean;
  problems: string[];
  messages: MessageCounts[];
  totals: Record<'planned' | 'kernelSent' | 'onBus' | 'decoded' | 'udpSent' | 'udpReceived', number>;
  signals: SignalTotals[];
  outOfRange: number;
  windows: number;
  updates: number;
}
interface TelemetryDemo {
  TELEMETRY_DBC: string;
  runTelemetryDemo(options: { interface: string; durationSec: number; windowMs: number; print: (text: string) => void }): Promise<Summary>;
}

const demoUrl = new URL('../../../../examples/can-telemetry/telemetry.mjs', import.meta.url).href;
const DURATION_SEC = 3;

describe('the CAN telemetry demo', () => {
  beforeAll(() => requireCanKernel());

  it('decodes every frame the BCM jobs sent and delivers every one as a JSON line over UDP', { timeout: 240_000 }, async () => {
    const demo = (await import(demoUrl)) as TelemetryDemo;
    const printed: string[] = [];
    // Its own interface: other guest tests send on vcan0 meanwhile.
    const summary = await withVcan('vcandemo0', (iface) => demo.runTelemetryDemo({ interface: iface, durationSec: DURATION_SEC, windowMs: 1000, print: (t) => printed.push(t) }));
    const out = printed.join('\n');
    if (!summary.ok) console.error(out);
    expect(summary.problems).toEqual([]);
    expect(summary.ok).toBe(true);

    // Every cyclic message of the DBC ran, for the planned number of frames at its period.
    const db = await loadDbcFile(demo.TELEMETRY_DBC);
    const cyclic = db.messages.filter((m) => m.attributes.get('GenMsgCycleTime'));
    expect(summary.messages.map((m) => m.name).sort()).toEqual(cyclic.map((m) => m.name).sort());
    for (const m of summary.messages) {
      expect(m.planned).toBe(Math.round((DURATION_SEC * 1000) / m.periodMs));
      // sent by the kernel == seen by a CAN_RAW tap == decoded == JSON lines sent == received
      expect([m.kernelSent, m.onBus, m.decoded, m.udpSent, m.udpReceived]).toEqual(Array(5).fill(m.planned));
    }
    const t = summary.totals;
    expect(t.planned).toBeGreaterThan(300);
    expect([t.kernelSent, t.onBus, t.decoded, t.udpSent, t.udpReceived]).toEqual(Array(5).fill(t.planned));

    // Every signal was seen (all three cell groups of the multiplexed message included), and
    // every value lies inside the range its DBC signal declares.
    const declared = cyclic.flatMap((m) => m.signals.map((s) => ({ key: `${m.name}.${s.name}`, s })));
    expect(summary.signals.map((s) => s.key).sort()).toEqual(declared.map((d) => d.key).sort());
    for (const { key, s } of declared) {
      const seen = summary.signals.find((x) => x.key === key)!;
      expect(seen.count, key).toBeGreaterThan(0);
      expect(seen.min, key).toBeGreaterThanOrEqual(s.minimum - s.factor / 2);
      expect(seen.max, key).toBeLessThanOrEqual(s.maximum + s.factor / 2);
      expect(seen.outOfRange, key).toBe(0);
    }
    // The simulation moved: the ECUs updated their jobs' data, and the speed changed.
    expect(summary.updates).toBeGreaterThan(0);
    const speed = summary.signals.find((x) => x.key === 'VehicleSpeed.VehicleSpeed')!;
    expect(speed.max).toBeGreaterThan(speed.min);

    // Windows of figures were printed while it ran, each with per-signal rate and min/mean/max.
    // One window a second: the run lasts DURATION_SEC of kernel time (the BCM jobs' counts), but
    // a window's timer can fire late in the emulated guest on a busy host, so one may be lost
    // (seen once in a full guest run with other work on the host: 2 windows in 3 s).
    expect(summary.windows).toBeGreaterThanOrEqual(DURATION_SEC - 1);
    expect(out.match(/window \d+ \(/g)?.length).toBe(summary.windows);
    expect(out).toMatch(/EngineData\.EngineSpeed +[\d.]+\/s +min +[\d.]+ +mean +[\d.]+ +max +[\d.]+ rpm/);
    expect(out).toContain('OK: every frame the ECUs sent');
  });

  it('fails the check, naming the message, when the counts along the way disagree', { timeout: 240_000 }, async () => {
    const demo = (await import(demoUrl)) as TelemetryDemo;
    const printed: string[] = [];
    const summary = await withVcan('vcandemo1', async (iface) => {
      // A stranger on the bus: five more VehicleSpeed frames than the ABS's BCM job sent.
      let intruded: Promise<void> | undefined;
      const run = demo.runTelemetryDemo({
        interface: iface,
        durationSec: 1,
        windowMs: 1000,
        print: (t) => {
          printed.push(t);
          if (t.startsWith('ECUs ') && !intruded) {
            const raw = openCanRaw({ interface: iface });
            intruded = raw.sendMany(Array.from({ length: 5 }, () => canFrame({ id: 0x100, data: new Uint8Array(8) }))).finally(() => raw.close());
          }
        },
      });
      const result = await run;
      await intruded;
      return result;
    });
    expect(summary.ok).toBe(false);
    const abs = summary.messages.find((m) => m.name === 'VehicleSpeed')!;
    expect(abs.onBus).toBe(abs.planned + 5);
    expect(abs.kernelSent).toBe(abs.planned);
    expect(summary.problems).toEqual([`VehicleSpeed: ${abs.onBus} frames on the bus, ${abs.planned} sent`]);
    expect(printed.join('\n')).toContain(`CHECK FAILED: VehicleSpeed: ${abs.onBus} frames on the bus, ${abs.planned} sent`);
  });
});
