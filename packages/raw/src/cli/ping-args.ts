/** ping(8)'s command line (iputils): getopt-style short options, its messages and exit statuses. */
import type { PingOptions } from '../craft/ping.js';

/** What `rxsock-raw ping` was asked to do. */
export interface PingCommand {
  host: string;
  quiet: boolean;
  /** -n: print addresses, never names. */
  numeric: boolean;
  options: PingOptions;
}

/** A command line that cannot run: the text for stderr and the exit status (2 for usage, 1 for a bad value, as ping). */
export class PingUsageError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly showUsage: boolean,
  ) {
    super(message);
    this.name = 'PingUsageError';
  }
}

/** The usage text (ping's, for the options this ping has). */
export const PING_USAGE = `
Usage
  rxsock-raw ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -c <count>         stop after <count> replies
  -h                 print help and exit
  -i <interval>      seconds between sending each packet
  -n                 no dns name resolution
  -q                 quiet output
  -s <size>          use <size> as number of data bytes to be sent
  -t <ttl>           define time to live
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response
  --socket <kind>    raw (CAP_NET_RAW), dgram (a ping socket) or auto (default)

IPv4 options:
  -4                 use IPv4

IPv6 options:
  -6                 use IPv6

For more details see ping(8).
`;

const WITH_ARGUMENT = new Set(['c', 'i', 's', 't', 'w', 'W']);
const FLAGS = new Set(['4', '6', 'q', 'h', 'n']);

/** An integer option; `maxText` is the bound ping prints (its own type's, e.g. 2^63-1 for -c). */
function integer(text: string, min: number, max: number, maxText = String(max)): number {
  if (!/^[+-]?\d+$/.test(text.trim())) throw new PingUsageError(`ping: invalid argument: '${text}'`, 1, false);
  const n = Number(text);
  if (n < min || n > max) throw new PingUsageError(`ping: invalid argument: '${text}': out of range: ${min} <= value <= ${maxText}`, 1, false);
  return n;
}

function seconds(text: string, what: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new PingUsageError(`ping: invalid argument: '${text}'`, 1, false);
  if (n < 0) throw new PingUsageError(`ping: bad ${what}: ${text}`, 1, false);
  return Math.round(n * 1000);
}

/**
 * Parses ping's arguments (`-c 3`, `-c3`, `-qc3`, options before or after the destination).
 *
 * @throws {@link PingUsageError} with ping's message and status.
 */
export function parsePingArgs(argv: readonly string[]): PingCommand {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const operands: string[] = [];
  let socket: PingOptions['socket'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--socket' || arg.startsWith('--socket=')) {
      const value = arg === '--socket' ? argv[++i] : arg.slice('--socket='.length);
      if (value !== 'raw' && value !== 'dgram' && value !== 'auto') throw new PingUsageError(`ping: invalid argument: '${value ?? ''}': --socket takes raw, dgram or auto`, 2, true);
      socket = value;
      continue;
    }
    if (arg.startsWith('--')) throw new PingUsageError(`ping: unrecognized option '${arg}'`, 2, true);
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const letter = arg[k] as string;
      if (WITH_ARGUMENT.has(letter)) {
        const rest = arg.slice(k + 1);
        const value = rest !== '' ? rest : argv[++i];
        if (value === undefined) throw new PingUsageError(`ping: option requires an argument -- '${letter}'`, 2, true);
        values.set(letter, value);
        break;
      }
      if (!FLAGS.has(letter)) throw new PingUsageError(`ping: invalid option -- '${letter}'`, 2, true);
      flags.add(letter);
    }
  }
  if (flags.has('h')) throw new PingUsageError('', 2, true);
  if (flags.has('4') && flags.has('6')) throw new PingUsageError('ping: only one -4 or -6 option may be specified', 2, false);
  if (operands.length === 0) throw new PingUsageError('ping: usage error: Destination address required', 1, false);
  if (operands.length > 1) throw new PingUsageError(`ping: usage error: only one destination, got ${operands.length}`, 2, true);
  const options: PingOptions = {};
  const c = values.get('c');
  if (c !== undefined) options.count = integer(c, 1, Number.MAX_SAFE_INTEGER, '9223372036854775807');
  const i = values.get('i');
  if (i !== undefined) options.intervalMs = seconds(i, 'timing interval');
  const s = values.get('s');
  if (s !== undefined) options.size = integer(s, 0, 65507);
  const t = values.get('t');
  if (t !== undefined) options.ttl = integer(t, 0, 255);
  const w = values.get('w');
  if (w !== undefined) options.deadlineMs = seconds(w, 'wait time');
  const W = values.get('W');
  if (W !== undefined) options.timeoutMs = seconds(W, 'linger time');
  if (flags.has('4')) options.family = 'inet';
  if (flags.has('6')) options.family = 'inet6';
  if (socket !== undefined) options.socket = socket;
  return { host: operands[0] as string, quiet: flags.has('q'), numeric: flags.has('n'), options };
}
