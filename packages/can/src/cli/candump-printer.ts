/**
 * What candump prints for each received frame, as a pure, stateful formatter: the `-L` log line,
 * or the human-readable line with its `-t` timestamp, `-x` direction and flags, `-e` error text.
 * The state is candump's own: the previous timestamp for `-t d`/`-t z`, and the indentation of
 * standard ids once an extended frame was seen.
 */
import type { CanFrame, CanReceiveInfo } from '../codec/frame.js';
import { formatCandumpLine } from '../log/log-line.js';
import { formatErrorText, formatLongFrame } from './long-format.js';

/** A frame with what the printer reads of its receive metadata. */
export type PrintableFrame = CanFrame & Pick<CanReceiveInfo, 'interfaceName' | 'timestampSec' | 'timestampNsec' | 'local'>;

/** The printing options of candump. */
export interface CandumpPrintOptions {
  timestamp?: 'a' | 'A' | 'd' | 'z';
  binary?: boolean;
  ascii?: boolean;
  swap?: boolean;
  errorText?: boolean;
  extraInfo?: boolean;
  /** `-L`. */
  logFormat?: boolean;
  /** Width interface names are right-aligned to. */
  nameWidth: number;
  /** Local time for `-t A`: the offset from UTC in minutes at a given time (default: the process's time zone). */
  utcOffsetMinutes?: (epochSec: number) => number;
}

const EXTRA = ['- -', 'B -', '- E', 'B E'];

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** Formats frames as candump prints them; one instance per candump run. */
export class CandumpPrinter {
  private lastSec = 0;
  private lastUsec = 0;
  private indentSff = false;

  /** @param options - candump's options. */
  constructor(private readonly options: CandumpPrintOptions) {}

  /** The text candump prints for one frame, newline included. */
  format(frame: PrintableFrame): string {
    const o = this.options;
    if (o.logFormat === true) {
      return formatCandumpLine(frame, { interfaceWidth: o.nameWidth, direction: o.extraInfo === true }) + '\n';
    }
    if (frame.kind !== 'xl' && frame.extended) this.indentSff = true;
    const sec = frame.timestampSec;
    const usec = Math.floor(frame.timestampNsec / 1000);
    let line = ' ';
    switch (o.timestamp) {
      case 'a':
        line += `(${pad(sec, 10)}.${pad(usec, 6)}) `;
        break;
      case 'A':
        line += `(${this.localDate(sec)}.${pad(usec, 6)}) `;
        break;
      case 'd':
      case 'z': {
        if (this.lastSec === 0) {
          this.lastSec = sec;
          this.lastUsec = usec;
        }
        let dSec = sec - this.lastSec;
        let dUsec = usec - this.lastUsec;
        if (dUsec < 0) {
          dSec--;
          dUsec += 1_000_000;
        }
        if (dSec < 0) dSec = dUsec = 0;
        line += `(${pad(dSec, 3)}.${pad(dUsec, 6)}) `;
        if (o.timestamp === 'd') {
          this.lastSec = sec;
          this.lastUsec = usec;
        }
        break;
      }
      default:
        break;
    }
    line += ' ' + frame.interfaceName.padStart(o.nameWidth, ' ');
    if (o.extraInfo === true) {
      const flags = frame.kind === 'fd' ? (frame.brs ? 1 : 0) | (frame.esi ? 2 : 0) : 0;
      line += `  ${frame.local ? 'TX' : 'RX'} ${EXTRA[flags]}`;
    }
    line += '  ';
    const long = formatLongFrame(frame, { binary: o.binary, ascii: o.ascii, swap: o.swap, indentSff: this.indentSff });
    line += long;
    if (o.errorText === true && frame.kind !== 'xl' && frame.error) {
      const text = formatErrorText(frame, '\n\t');
      line += `\n\t${text ?? long}`;
    }
    return line + '\n';
  }

  /** candump's `%Y-%m-%d %H:%M:%S` in local time. */
  private localDate(sec: number): string {
    const offset = this.options.utcOffsetMinutes?.(sec) ?? -new Date(sec * 1000).getTimezoneOffset();
    const d = new Date((sec + offset * 60) * 1000);
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  }
}

/** The invalid-class warning candump writes to stderr for an error frame it cannot describe. */
export function invalidErrorClassWarning(frame: CanFrame): string | undefined {
  if (frame.kind === 'xl' || !frame.error) return undefined;
  return formatErrorText(frame, '\n\t') === undefined ? `Error class 0x${(frame.id & 0x1fffffff).toString(16)} is invalid\n` : undefined;
}

/** candump `-d`'s line for frames the kernel dropped on a socket. */
export function dropCountLine(dropped: number, interfaceName: string, total: number): string {
  return `DROPCOUNT: dropped ${dropped} CAN frame${dropped > 1 ? 's' : ''} on '${interfaceName}' socket (total drops ${total})\n`;
}

/** The file name `candump -l` logs into: `candump-YYYY-MM-DD_HHMMSS.log` in local time. */
export function candumpLogFileName(now: Date = new Date()): string {
  return `candump-${now.getFullYear()}-${pad(now.getMonth() + 1, 2)}-${pad(now.getDate(), 2)}_${pad(now.getHours(), 2)}${pad(now.getMinutes(), 2)}${pad(now.getSeconds(), 2)}.log`;
}
