// RxJS operators for the figures: decoded frames become one sample per signal; samples are cut
// into time windows, grouped by signal and reduced to count, rate, min, mean and max; running
// totals over the whole run are a scan.
import { groupBy, map, mergeMap, reduce, scan, toArray, windowTime } from 'rxjs';

/** One sample per signal of each decoded frame: `{ key: 'Message.Signal', signal, value }`. */
export function toSamples() {
  return mergeMap(({ message, values }) =>
    Object.entries(values).map(([name, value]) => ({ key: `${message.name}.${name}`, signal: message.signals.find((s) => s.name === name), value })),
  );
}

function addSample(acc, s) {
  if (!acc) return { key: s.key, unit: s.signal.unit, count: 1, min: s.value, max: s.value, sum: s.value };
  acc.count++;
  if (s.value < acc.min) acc.min = s.value;
  if (s.value > acc.max) acc.max = s.value;
  acc.sum += s.value;
  return acc;
}

/**
 * Per `windowMs` window: every signal seen in it with its sample count, rate (per second of the
 * window's actual span: the last window is cut short by the end of the stream), min, mean, max.
 */
export function windowedSignalStats(windowMs) {
  return (samples$) =>
    samples$.pipe(
      windowTime(windowMs),
      mergeMap((window$, index) => {
        const opened = performance.now();
        return window$.pipe(
          groupBy((s) => s.key),
          mergeMap((signal$) => signal$.pipe(reduce(addSample, undefined))),
          toArray(),
          map((rows) => {
            const seconds = Math.max(1e-3, (performance.now() - opened) / 1000);
            const signals = rows
              .map((r) => ({ key: r.key, unit: r.unit, count: r.count, ratePerSec: r.count / seconds, min: r.min, mean: r.sum / r.count, max: r.max }))
              .sort((a, b) => a.key.localeCompare(b.key));
            return { index, seconds, signals };
          }),
        );
      }),
    );
}

/**
 * Totals over the whole run, as a scan over decoded frames: frames per message, and per signal
 * its sample count, min, max, and how many samples fell outside the DBC's [minimum, maximum].
 */
export function runningTotals() {
  return scan(
    (totals, { message, values }) => {
      totals.frames++;
      totals.byMessage.set(message.name, (totals.byMessage.get(message.name) ?? 0) + 1);
      for (const [name, value] of Object.entries(values)) {
        const key = `${message.name}.${name}`;
        const signal = message.signals.find((s) => s.name === name);
        const t = totals.bySignal.get(key) ?? { key, unit: signal.unit, minimum: signal.minimum, maximum: signal.maximum, count: 0, min: Infinity, max: -Infinity, outOfRange: 0 };
        t.count++;
        t.min = Math.min(t.min, value);
        t.max = Math.max(t.max, value);
        // Half a step of slack: a physical value is raw * factor + offset in floating point.
        const slack = Math.abs(signal.factor) / 2;
        const ranged = signal.minimum !== 0 || signal.maximum !== 0; // [0|0] means "no range given"
        if (ranged && (value < signal.minimum - slack || value > signal.maximum + slack)) {
          t.outOfRange++;
          totals.outOfRange++;
        }
        totals.bySignal.set(key, t);
      }
      return totals;
    },
    { frames: 0, outOfRange: 0, byMessage: new Map(), bySignal: new Map() },
  );
}
