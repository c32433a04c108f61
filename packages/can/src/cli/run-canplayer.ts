/**
 * `rxsock-can canplayer`: a candump log replayed onto CAN interfaces, at the log's pace (or
 * `-t`: at once), `-l` times, with `to=from` interface assignments and the `stdout=` hook that
 * prints the log line as it is. One socket per target interface.
 */
import { openCanRaw, type CanRawSocket } from '../socket/raw-socket.js';
import { CanLogError } from '../log/errors.js';
import { readCandumpLog } from '../log/log-reader.js';
import type { CandumpLogEntry } from '../log/log-line.js';
import { replayCandumpLog } from '../log/replay.js';
import { parseCanplayerArgs } from './canplayer-args.js';
import { perror, writeOut, type CliIo } from './io.js';
import { formatLongFrame } from './long-format.js';

/** Runs canplayer; resolves with the exit status. */
export async function runCanplayer(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCanplayerArgs(args);
  if (!parsed.ok) {
    await writeOut(io.stdout, parsed.stdout);
    await writeOut(io.stderr, parsed.stderr);
    return parsed.exitCode;
  }
  const o = parsed.value;
  const sockets = new Map<string, CanRawSocket>();
  const open = (name: string): CanRawSocket => {
    let s = sockets.get(name);
    if (s === undefined) {
      s = openCanRaw({ interface: name, filters: [], fdFrames: true, loopback: !o.loopbackDisable, timestamps: false });
      sockets.set(name, s);
    }
    return s;
  };
  let running = true;
  const offSignal = io.onSignal(() => (running = false));
  try {
    // Assigned interfaces are opened first: a wrong name fails before anything is sent.
    for (const to of o.assignments.values()) {
      if (to === 'stdout') continue;
      try {
        open(to);
      } catch (e) {
        await writeOut(io.stderr, `${perror('SIOCGIFINDEX', e)}write-if interface name '${to}' is wrong!\n`);
        return 1;
      }
    }
    const source = o.inputFile !== undefined ? () => readCandumpLog(o.inputFile!, { keepLines: true }) : readCandumpLog(io.stdin, { keepLines: true });
    const entries = replayCandumpLog<CandumpLogEntry>(source, {
      timing: o.useTimestamps ? 'original' : 'fast',
      loop: o.loops,
      ...(o.skipGapSec > 0 ? { skipGapSec: o.skipGapSec } : {}),
    });
    for await (const entry of entries) {
      if (!running) break;
      let to: string | undefined;
      if (o.assignments.size === 0) to = entry.interfaceName;
      else to = o.assignments.get(entry.interfaceName);
      if (to === undefined) continue;
      if (to === 'stdout') {
        await writeOut(io.stdout, `${entry.line ?? ''}\n`);
        continue;
      }
      let socket: CanRawSocket;
      try {
        socket = open(to);
      } catch (e) {
        await writeOut(io.stderr, `${perror('SIOCGIFINDEX', e)}write-if interface name '${to}' is wrong!\n`);
        return 1;
      }
      if (!socket.writer.write(entry.frame)) await socket.writer.drain();
      if (o.verbose > 0) await writeOut(io.stdout, `${to} (${entry.interfaceName}) ${formatLongFrame(entry.frame, { indentSff: true })}\n`);
    }
    for (const s of sockets.values()) await s.sendMany([]);
    return 0;
  } catch (e) {
    if (e instanceof CanLogError) {
      await writeOut(io.stderr, `canplayer: ${e.message}\n`);
      return 1;
    }
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      await writeOut(io.stderr, perror('infile', e));
      return 1;
    }
    await writeOut(io.stderr, perror('sendto', e));
    return 1;
  } finally {
    offSignal();
    for (const s of sockets.values()) s.close();
  }
}
