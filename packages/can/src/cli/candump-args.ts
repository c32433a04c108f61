/**
 * candump's command line (can-utils 2020.11, Debian bookworm's): options, and interfaces with
 * their filter sets `IF[,id:mask|,id~mask|,#errmask|,j]*`, `any` for every interface.
 */
import { fromRawFilter, type CanFilter } from '../codec/filter.js';
import { CAN_EFF_FLAG, CAN_ERR_FLAG } from '../codec/frame.js';
import { getopt, atoi, strtolAuto, strtoul32 } from './getopt.js';
import { exit, run, type CliParse } from './result.js';
import { candumpUsage } from './usage.js';

/** Most interfaces on one command line (candump's MAXSOCK). */
export const CANDUMP_MAX_INTERFACES = 16;

/** One `IF[,filter]*` argument. */
export interface CandumpInterfaceArg {
  /** The argument as given (candump's name for the socket in messages). */
  readonly arg: string;
  /** Interface name; `'any'` for all interfaces. */
  readonly name: string;
  /** Filters; undefined when none was given (the kernel's default: all data frames). */
  readonly filters?: readonly CanFilter[];
  /** `j`/`J` was given: CAN_RAW_JOIN_FILTERS. */
  readonly joinFilters: boolean;
  /** `#mask`: CAN_RAW_ERR_FILTER (0: none). */
  readonly errorMask: number;
}

/** candump's options. */
export interface CandumpOptions {
  readonly interfaces: readonly CandumpInterfaceArg[];
  /** `-t`: absolute, absolute with date, delta, zero-based; undefined: none. */
  readonly timestamp?: 'a' | 'A' | 'd' | 'z';
  /** `-H`. */
  readonly hardwareTimestamps: boolean;
  /** `-c` count. */
  readonly color: number;
  /** `-i`. */
  readonly binary: boolean;
  /** `-a`. */
  readonly ascii: boolean;
  /** `-S`. */
  readonly swap: boolean;
  /** `-e`. */
  readonly errorText: boolean;
  /** `-s`: 0 off, 1 animation, 2 silent. */
  readonly silent: 0 | 1 | 2;
  /** `-l`: log to `candump-DATE.log`. */
  readonly logFile: boolean;
  /** `-L`: log format on stdout. */
  readonly logFormat: boolean;
  /** `-n`: stop after this many frames (0: never). */
  readonly count: number;
  /** `-r`: receive buffer size (0: default). */
  readonly receiveBufferSize: number;
  /** `-D` not given: exit when an interface goes down. */
  readonly downCausesExit: boolean;
  /** `-d`. */
  readonly dropMonitor: boolean;
  /** `-x`. */
  readonly extraInfo: boolean;
  /** `-T`: stop after this many ms without a frame (undefined: never). */
  readonly timeoutMs?: number;
  /** Width interface names are printed in: the longest name on the command line. */
  readonly nameWidth: number;
}

/**
 * Parses one filter word as candump does (`sscanf("%x:%x")`, then `"%x~%x"`, then `j`, then
 * `"#%x"`), into the kernel's raw form; undefined for a join flag or error mask (reported through
 * the callbacks), or an error.
 */
function parseFilterWord(word: string, onJoin: () => void, onErrMask: (m: number) => void): { canId: number; canMask: number } | 'bad' | undefined {
  for (const sep of [':', '~'] as const) {
    const id = strtoul32(word, 16);
    if (id.end > 0 && word[id.end] === sep) {
      const mask = strtoul32(word, 16, id.end + 1);
      if (mask.end > id.end + 1) {
        let canId = id.value;
        const canMask = (mask.value & ~CAN_ERR_FLAG) >>> 0;
        if (sep === '~') canId = (canId | CAN_ERR_FLAG) >>> 0; // CAN_INV_FILTER has the ERR flag's value
        if (word[8] === sep) canId = (canId | CAN_EFF_FLAG) >>> 0;
        return { canId, canMask };
      }
    }
  }
  if (word[0] === 'j' || word[0] === 'J') {
    onJoin();
    return undefined;
  }
  if (word[0] === '#') {
    const m = strtoul32(word, 16, 1);
    if (m.end > 1) {
      onErrMask(m.value);
      return undefined;
    }
  }
  return 'bad';
}

/**
 * Parses candump's arguments (without the program name). Returns the options, or the exit
 * candump makes: usage and status 1 for a bad option, usage and status 0 without interfaces,
 * `Error in filter option parsing: '...'` for a bad filter.
 */
export function parseCandumpArgs(args: readonly string[], prog = 'candump'): CliParse<CandumpOptions> {
  const g = getopt(args, 't:HciaSs:lDdxLn:r:heT:?', prog);
  if (g.error !== undefined) return exit(1, `${g.error}\n${candumpUsage(prog)}`);
  let warnings = '';
  let timestamp: CandumpOptions['timestamp'];
  let hardwareTimestamps = false;
  let color = 0;
  let binary = false;
  let ascii = false;
  let swap = false;
  let errorText = false;
  let silent: number | undefined;
  let logFile = false;
  let logFormat = false;
  let count = 0;
  let receiveBufferSize = 0;
  let downCausesExit = true;
  let dropMonitor = false;
  let extraInfo = false;
  let timeoutMs: number | undefined;
  for (const { opt, arg = '' } of g.options) {
    switch (opt) {
      case 't': {
        const c = arg[0] ?? '';
        if (c === 'a' || c === 'A' || c === 'd' || c === 'z') timestamp = c;
        else {
          warnings += `${prog}: unknown timestamp mode '${c}' - ignored\n`;
          timestamp = undefined;
        }
        break;
      }
      case 'H': hardwareTimestamps = true; break;
      case 'c': color++; break;
      case 'i': binary = true; break;
      case 'a': ascii = true; break;
      case 'S': swap = true; break;
      case 'e': errorText = true; break;
      case 's':
        silent = atoi(arg) & 0xff; // an unsigned char in candump
        if (silent > 2) return exit(1, warnings + candumpUsage(prog));
        break;
      case 'l': logFile = true; break;
      case 'D': downCausesExit = false; break;
      case 'd': dropMonitor = true; break;
      case 'x': extraInfo = true; break;
      case 'L': logFormat = true; break;
      case 'n':
        count = atoi(arg);
        if (count < 1) return exit(1, warnings + candumpUsage(prog));
        break;
      case 'r':
        receiveBufferSize = atoi(arg);
        if (receiveBufferSize < 1) return exit(1, warnings + candumpUsage(prog));
        break;
      case 'T':
        timeoutMs = strtolAuto(arg);
        break;
      default:
        return exit(1, warnings + candumpUsage(prog));
    }
  }
  if (g.operands.length === 0) return exit(0, warnings + candumpUsage(prog));
  if (logFormat && (binary || ascii || swap || errorText)) {
    return exit(0, `${warnings}Log file format selected: Please disable ASCII/BINARY/SWAP options!\n`);
  }
  if (silent === undefined) {
    if (logFile) {
      warnings += 'Disabled standard output while logging.\n';
      silent = 2;
    } else silent = 0;
  }
  if (g.operands.length > CANDUMP_MAX_INTERFACES) return exit(1, `${warnings}More than ${CANDUMP_MAX_INTERFACES} CAN devices given on commandline!\n`);
  const interfaces: CandumpInterfaceArg[] = [];
  let nameWidth = 0;
  for (const arg of g.operands) {
    const comma = arg.indexOf(',');
    const name = comma < 0 ? arg : arg.slice(0, comma);
    if (name.length >= 16) return exit(1, `${warnings}name of CAN device '${arg}' is too long!\n`);
    nameWidth = Math.max(nameWidth, name.length);
    if (comma < 0) {
      interfaces.push({ arg, name, joinFilters: false, errorMask: 0 });
      continue;
    }
    const filters: CanFilter[] = [];
    let joinFilters = false;
    let errorMask = 0;
    let rest = arg.slice(comma + 1);
    for (;;) {
      const next = rest.indexOf(',');
      const r = parseFilterWord(rest, () => (joinFilters = true), (m) => (errorMask = m));
      // candump reports the rest of the argument from the bad word on
      if (r === 'bad') return exit(1, `${warnings}Error in filter option parsing: '${rest}'\n`);
      if (r !== undefined) filters.push(fromRawFilter(r));
      if (next < 0) break;
      rest = rest.slice(next + 1);
    }
    interfaces.push({ arg, name, ...(filters.length > 0 ? { filters } : {}), joinFilters, errorMask });
  }
  return run(
    {
      interfaces,
      ...(timestamp !== undefined ? { timestamp } : {}),
      hardwareTimestamps,
      color,
      binary,
      ascii,
      swap,
      errorText,
      silent: silent as 0 | 1 | 2,
      logFile,
      logFormat,
      count,
      receiveBufferSize,
      downCausesExit,
      dropMonitor,
      extraInfo,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      nameWidth,
    },
    warnings,
  );
}
