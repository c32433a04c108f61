// The telemetry pipeline: CAN_RAW frames -> DBC decode -> (a) windowed per-signal figures,
// (b) running totals, (c) JSON lines forwarded over UDP. One socket, one decode, three consumers.
import { bufferTime, concatMap, filter, lastValueFrom, map, share, Subject, takeUntil } from 'rxjs';
import { decodeSignals, openCanRaw } from '@rxsock/can';
import { messageFilters } from './bus-tap.mjs';
import { runningTotals, toSamples, windowedSignalStats } from './stats.mjs';
import { toJsonLine, udpForwarder } from './udp.mjs';

/**
 * Starts decoding `iface` with `db`. `onWindow(window, totals)` gets each window's figures;
 * `target` is the UDP address the JSON lines go to. `stop()` ends the stream and resolves once
 * the last window is out and the last UDP batch is sent.
 */
export function startPipeline(db, iface, { windowMs, target, onWindow, batchMs = 50 }) {
  const can = openCanRaw({ interface: iface, filters: messageFilters(db), receiveBufferSize: 1 << 20 });
  const reader = can.reader();
  const forwarder = udpForwarder(target);
  const stop$ = new Subject();
  const decoded$ = reader.frames$.pipe(takeUntil(stop$), decodeSignals(db), share());

  let totals = { frames: 0, outOfRange: 0, byMessage: new Map(), bySignal: new Map() };
  let windows = 0;
  const finished = Promise.all([
    lastValueFrom(decoded$.pipe(runningTotals(), map((t) => (totals = t))), { defaultValue: undefined }),
    lastValueFrom(
      decoded$.pipe(
        toSamples(),
        windowedSignalStats(windowMs),
        map((w) => {
          windows++;
          onWindow(w, totals);
        }),
      ),
      { defaultValue: undefined },
    ),
    lastValueFrom(
      decoded$.pipe(
        map((d) => ({ message: d.message.name, data: toJsonLine(d) })),
        bufferTime(batchMs),
        filter((lines) => lines.length > 0),
        concatMap((lines) => forwarder.send(lines)),
      ),
      { defaultValue: undefined },
    ),
  ]);
  reader.request(Infinity);

  let stopped;
  return {
    get totals() {
      return totals;
    },
    get windows() {
      return windows;
    },
    get linesSent() {
      return forwarder.sent;
    },
    /** JSON lines sent, by message name. */
    get linesSentByMessage() {
      return forwarder.sentByMessage;
    },
    /** Frames lost on the way in: the kernel's drops (SO_RXQ_OVFL) and the reader queue's. */
    get drops() {
      const c = reader.counters;
      return c.kernelDrops + c.droppedNewest + c.droppedOldest;
    },
    stop() {
      stopped ??= (async () => {
        stop$.next();
        try {
          await finished;
        } finally {
          reader.close();
          can.close();
          forwarder.close();
        }
      })();
      return stopped;
    },
  };
}
