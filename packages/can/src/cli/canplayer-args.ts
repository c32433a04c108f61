/** canplayer's command line: `-I file`, `-l n|i`, `-t`, `-g`, `-s`, `-x`, `-v`, and `to=from` interface assignments. */
import { atoi, getopt, strtoul32 } from './getopt.js';
import { exit, run, type CliParse } from './result.js';
import { canplayerUsage } from './usage.js';

/** canplayer's options. */
export interface CanplayerOptions {
  /** `-I`: the log file; undefined: stdin. */
  readonly inputFile?: string;
  /** `-l`: how many times (a file only; stdin is played once); `true`: forever. */
  readonly loops: number | true;
  /** `-t` not given: follow the log's timestamps. */
  readonly useTimestamps: boolean;
  /** `-g` ms: canplayer's sleep between checks for due frames (default 1). */
  readonly gapMs: number;
  /** `-s` seconds (0: none). */
  readonly skipGapSec: number;
  /** `-x`. */
  readonly loopbackDisable: boolean;
  /** `-v` count. */
  readonly verbose: number;
  /**
   * Assignments: log interface name to the interface frames are sent on (`vcan1=vcan0` maps
   * `vcan0` in the log to `vcan1`); `'stdout'` prints the log line instead. Empty: every frame
   * goes to the interface named in the log.
   */
  readonly assignments: ReadonlyMap<string, string>;
}

/** Parses canplayer's arguments; errors exit with canplayer's messages and status 1. */
export function parseCanplayerArgs(args: readonly string[], prog = 'canplayer'): CliParse<CanplayerOptions> {
  const g = getopt(args, 'I:l:tg:s:xv?', prog);
  if (g.error !== undefined) return exit(1, `${g.error}\n${canplayerUsage(prog)}`);
  let inputFile: string | undefined;
  let loops: number | true = 1;
  let useTimestamps = true;
  let gapMs = 1;
  let skipGapSec = 0;
  let loopbackDisable = false;
  let verbose = 0;
  for (const { opt, arg = '' } of g.options) {
    switch (opt) {
      case 'I': inputFile = arg; break;
      case 'l':
        if (arg[0] === 'i') loops = true;
        else {
          loops = atoi(arg);
          if (loops === 0) return exit(1, 'Invalid argument for option -l !\n');
        }
        break;
      case 't': useTimestamps = false; break;
      case 'g': gapMs = strtoul32(arg, 10).value; break;
      case 's':
        skipGapSec = strtoul32(arg, 10).value;
        if (skipGapSec < 1) return exit(1, 'Invalid argument for option -s !\n');
        break;
      case 'x': loopbackDisable = true; break;
      case 'v': verbose++; break;
      default:
        return exit(1, canplayerUsage(prog));
    }
  }
  if (inputFile === undefined) loops = 1; // no jokes with stdin
  if (typeof loops === 'number' && loops < 0) return exit(1, 'Invalid argument for option -l !\n');
  const assignments = new Map<string, string>();
  for (const a of g.operands) {
    const eq = a.indexOf('=');
    if (eq < 0) return exit(1, `'=' missing in assignment!\n${canplayerUsage(prog)}`);
    const to = a.slice(0, eq);
    const from = a.slice(eq + 1);
    if (to.length >= 16) return exit(1, `write-if interface name '${to}' too long!`);
    if (from.length >= 16) return exit(1, `log-if interface name '${from}' too long!`);
    if (assignments.size >= 20) return exit(1, 'Assignment table exceeded!\n');
    // canplayer looks assignments up in order: the first one for a log interface wins
    if (!assignments.has(from)) assignments.set(from, to);
  }
  return run({
    ...(inputFile !== undefined ? { inputFile } : {}),
    loops,
    useTimestamps,
    gapMs,
    skipGapSec,
    loopbackDisable,
    verbose,
    assignments,
  });
}
