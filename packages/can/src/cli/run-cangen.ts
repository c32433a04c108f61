/**
 * `rxsock-can cangen`: cangen's frame sequence sent through the socket's writer. A full device
 * queue (ENOBUFS) is ridden out by the writer's back-off, so `-i` and `-p` are accepted and have
 * nothing left to do: no frame is lost and no CPU spins.
 */
import { openCanRaw } from '../socket/raw-socket.js';
import type { CanFrame } from '../codec/frame.js';
import { formatCanFrameText } from '../log/frame-text.js';
import { cangenFrames, parseCangenArgs } from './cangen-args.js';
import { perror, writeOut, type CliIo } from './io.js';
import { formatLongFrame } from './long-format.js';

/** Runs cangen; resolves with the exit status. */
export async function runCangen(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCangenArgs(args);
  if (!parsed.ok) {
    await writeOut(io.stdout, parsed.stdout);
    await writeOut(io.stderr, parsed.stderr);
    return parsed.exitCode;
  }
  const o = parsed.value;
  let can;
  try {
    can = openCanRaw({ interface: o.interfaceName, filters: [], loopback: !o.loopbackDisable, fdFrames: o.fd, timestamps: false });
  } catch (e) {
    const code = (e as { code?: string }).code;
    await writeOut(io.stderr, perror(code === 'ENODEV' ? 'SIOCGIFINDEX' : 'socket', e));
    return 1;
  }
  let running = true;
  const offSignal = io.onSignal(() => (running = false));
  const writer = can.writer;
  let sent = 0;
  let inBurst = 0;
  const burst = Math.max(1, o.burst);
  try {
    for (const frame of cangenFrames(o)) {
      if (!running) break;
      if (o.verbose > 0) await writeOut(io.stdout, verboseLine(o.interfaceName, frame, o.verbose));
      if (!writer.write(frame)) await writer.drain();
      sent++;
      if (o.count > 0 && sent >= o.count) break;
      if (++inBurst >= burst) {
        inBurst = 0;
        if (o.gapMs > 0) {
          await writer.drain();
          await new Promise((resolve) => setTimeout(resolve, o.gapMs));
        }
      }
    }
    // Resolves once the kernel took every queued frame.
    await can.sendMany([]);
    await writer.drain();
    return 0;
  } catch (e) {
    await writeOut(io.stderr, perror('write', e));
    return 1;
  } finally {
    offSignal();
    can.close();
  }
}

/** cangen -v's line: the interface, then the frame in compact text with separators (-v) or the long layout (-vv; -vvv adds the ASCII column). */
function verboseLine(name: string, frame: CanFrame, verbose: number): string {
  if (verbose > 1) return `  ${name}  ${formatLongFrame(frame, { ascii: verbose > 2 })}\n`;
  return `  ${name}  ${formatCanFrameText(frame, { separator: true })}\n`;
}
