/**
 * `rxsock-can candump`: one CAN_RAW socket per interface argument (options set before bind, as
 * candump does), frames printed by {@link CandumpPrinter}, `-l` into a log file, `-n`, `-T` and
 * signals end it. Output is gathered per receive batch and written when the batch is done; while
 * stdout is full, reading pauses (credit), so the kernel's buffer, not our memory, holds the rest.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { openCanRaw, type CanRawSocket } from '../socket/raw-socket.js';
import type { CanFrameReader } from '../socket/reader.js';
import { CAN_ERR_MASK, type ReceivedCanFrame } from '../codec/frame.js';
import { formatCandumpLine } from '../log/log-line.js';
import { parseCandumpArgs } from './candump-args.js';
import { CandumpPrinter, candumpLogFileName, dropCountLine, invalidErrorClassWarning } from './candump-printer.js';
import { perror, writeOut, type CliIo } from './io.js';

const CREDIT = 256;
const ANIMATION = ['|', '/', '-', '\\'];

/** Runs candump; resolves with the exit status. */
export async function runCandump(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCandumpArgs(args);
  if (!parsed.ok) {
    await writeOut(io.stdout, parsed.stdout);
    await writeOut(io.stderr, parsed.stderr);
    return parsed.exitCode;
  }
  await writeOut(io.stderr, parsed.stderr);
  const o = parsed.value;
  const sockets: CanRawSocket[] = [];
  const readers: CanFrameReader[] = [];
  const closeAll = (): void => {
    for (const r of readers) r.close();
    for (const s of sockets) s.close();
  };
  try {
    for (const spec of o.interfaces) {
      sockets.push(
        openCanRaw({
          ...(spec.name === 'any' ? {} : { interface: spec.name }),
          ...(spec.filters !== undefined ? { filters: spec.filters } : {}),
          ...(spec.joinFilters ? { joinFilters: true } : {}),
          // the kernel keeps only the class bits of candump's mask (#FFFFFFFF is common)
          ...(spec.errorMask !== 0 ? { errorMask: (spec.errorMask & CAN_ERR_MASK) >>> 0 } : {}),
          fdFrames: true,
          timestamps: o.hardwareTimestamps ? 'hardware' : true,
          ...(o.receiveBufferSize > 0 ? { receiveBufferSize: o.receiveBufferSize, forceReceiveBuffer: true } : {}),
        }),
      );
    }
  } catch (e) {
    closeAll();
    const code = (e as { code?: string }).code;
    await writeOut(io.stderr, perror(code === 'ENODEV' ? 'SIOCGIFINDEX' : code === 'ERR_RXSOCK_CAN_UNAVAILABLE' ? 'socket' : 'setsockopt', e));
    return 1;
  }

  let logFile: WriteStream | undefined;
  if (o.logFile) {
    const name = candumpLogFileName();
    if (o.silent !== 2) await writeOut(io.stderr, 'Warning: Console output active while logging!\n');
    await writeOut(io.stderr, `Enabling Logfile '${name}'\n`);
    logFile = createWriteStream(join(io.cwd, name));
  }

  const printer = new CandumpPrinter({ ...o, nameWidth: o.nameWidth });
  let remaining = o.count > 0 ? o.count : Infinity;
  let out = '';
  let logOut = '';
  let err = '';
  let animation = 0;
  let flushing = false;
  let done = false;
  let exitCode = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let timer: NodeJS.Timeout | undefined;
  const armTimeout = (): void => {
    if (o.timeoutMs === undefined || o.timeoutMs <= 0) return;
    clearTimeout(timer);
    timer = setTimeout(stop, o.timeoutMs);
  };
  function stop(): void {
    if (done) return;
    done = true;
    clearTimeout(timer);
    closeAll();
    void flush().then(finish);
  }
  const totals = new Map<number, number>();

  // Writes what was gathered; grants more credit once stdout and the log took it.
  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    while (out !== '' || logOut !== '' || err !== '') {
      const o1 = out, l1 = logOut, e1 = err;
      out = logOut = err = '';
      await Promise.all([writeOut(io.stdout, o1), logFile ? writeOut(logFile, l1) : undefined, writeOut(io.stderr, e1)]);
    }
    flushing = false;
    // Credit back exactly what was printed: while stdout is slow, frames wait in the kernel.
    if (!done) {
      readers.forEach((r, i) => {
        const n = consumed[i]!;
        consumed[i] = 0;
        if (n > 0) r.request(n);
      });
    }
  }
  const schedule = (): void => {
    if (!flushing) setImmediate(() => void flush());
  };

  const consumed: number[] = [];
  const onFrame = (frame: ReceivedCanFrame, index: number): void => {
    if (done) return;
    consumed[index]!++;
    armTimeout();
    if (remaining !== Infinity && --remaining === 0) {
      emit(frame);
      stop();
      return;
    }
    emit(frame);
    schedule();
  };
  const emit = (frame: ReceivedCanFrame): void => {
    if (logFile) logOut += formatCandumpLine(frame, { interfaceWidth: o.nameWidth, direction: o.extraInfo }) + '\n';
    if (o.errorText) err += invalidErrorClassWarning(frame) ?? '';
    if (o.logFormat && o.silent === 0) out += printer.format(frame);
    else if (o.silent === 1) out += `${ANIMATION[animation++ % 4]}\b`;
    else if (o.silent === 0) out += printer.format(frame);
  };

  sockets.forEach((socket, i) => {
    const reader = socket.reader();
    readers.push(reader);
    consumed.push(0);
    reader.frames$.subscribe({
      next: (frame) => onFrame(frame, i),
      error: (e: unknown) => {
        if (done) return;
        if ((e as { code?: string }).code === 'ENETDOWN' && !o.downCausesExit) {
          err += `${socket.interfaceName || 'any'}: interface down\n`;
          return;
        }
        err += perror('read', e);
        exitCode = 1;
        stop();
      },
    });
    if (o.dropMonitor) {
      reader.kernelDrops$.subscribe((dropped) => {
        const total = (totals.get(i) ?? 0) + dropped;
        totals.set(i, total);
        const name = socket.interfaceName || o.interfaces[i]!.name;
        const line = dropCountLine(dropped, name, total);
        if (o.silent !== 2) out += line;
        if (logFile) logOut += line;
        schedule();
      });
    }
    reader.request(CREDIT);
  });
  armTimeout();
  const offSignal = io.onSignal(stop);
  await finished;
  offSignal();
  if (logFile) await new Promise<void>((resolve) => logFile!.end(resolve));
  return exitCode;
}
