/**
 * One line of a candump log: `(1436509053.249713) vcan0 123#DEADBEEF`, as `candump -L`/`-l`
 * writes it and `canplayer` reads it.
 */
import type { CanFrame, CanReceiveInfo } from '../codec/frame.js';
import { CanLogError } from './errors.js';
import { formatCanFrameText, parseCanFrameText, type CanFrameTextOptions } from './frame-text.js';

/** One frame of a candump log with where and when it was seen. */
export interface CandumpLogEntry {
  /** The frame. */
  readonly frame: CanFrame;
  /** The interface name written in the log (`'vcan0'`). */
  readonly interfaceName: string;
  /** Seconds since the epoch. */
  readonly timestampSec: number;
  /** Nanoseconds part, 0..999,999,999 (a 6-digit log gives whole microseconds). */
  readonly timestampNsec: number;
  /**
   * `'T'` (sent from this host) or `'R'` (received) when the line carries candump `-x`'s
   * marker after the frame, else undefined.
   */
  readonly direction?: 'T' | 'R';
  /** The line as read (without its newline), when the reader was asked to keep it (`keepLines`). */
  readonly line?: string;
}

/** Options of {@link formatCandumpLine}. */
export interface CandumpLineOptions extends CanFrameTextOptions {
  /**
   * Digits after the decimal point: 6 (microseconds, what `candump -L` prints; default) or 9
   * (nanoseconds, newer candump's `-N`/ns mode). canplayer reads both.
   */
  fractionDigits?: 6 | 9;
  /**
   * Width the interface name is right-aligned to, as candump does (`%*s` with the longest
   * interface name given on its command line). Default 0: no padding.
   */
  interfaceWidth?: number;
  /** Append candump `-x`'s ` T`/` R` (from the entry's direction, or a received frame's `local`). */
  direction?: boolean;
}

/** Something that can be written as a log line: a log entry, or a received frame. */
export type CandumpLineSource = CandumpLogEntry | (CanFrame & Pick<CanReceiveInfo, 'interfaceName' | 'timestampSec' | 'timestampNsec'> & Partial<Pick<CanReceiveInfo, 'local'>>);

function pad(value: number, width: number): string {
  const s = String(value);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/**
 * Writes one log line without its newline, byte for byte as `candump -L` (`%010lu.%06lu`, the
 * interface name, the compact frame text).
 *
 * @example
 * ```ts
 * formatCandumpLine({ frame: canFrame({ id: 0x123, data: [1] }), interfaceName: 'vcan0',
 *   timestampSec: 1436509053, timestampNsec: 249713000 });
 * // '(1436509053.249713) vcan0 123#01'
 * ```
 */
export function formatCandumpLine(source: CandumpLineSource, options: CandumpLineOptions = {}): string {
  const isEntry = 'frame' in source;
  const frame: CanFrame = isEntry ? source.frame : source;
  const nsec = source.timestampNsec;
  const fraction = options.fractionDigits === 9 ? pad(nsec, 9) : pad(Math.floor(nsec / 1000), 6);
  const width = options.interfaceWidth ?? 0;
  const name = source.interfaceName.length >= width ? source.interfaceName : ' '.repeat(width - source.interfaceName.length) + source.interfaceName;
  let line = `(${pad(source.timestampSec, 10)}.${fraction}) ${name} ${formatCanFrameText(frame, options)}`;
  if (options.direction === true) {
    const local = isEntry ? source.direction === 'T' : source.local === true;
    line += local ? ' T' : ' R';
  }
  return line;
}

/** Characters canplayer splits fields at (scanf's white space). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * Reads one log line (without its newline). Lines that do not begin with `(` are comments to
 * canplayer (and candump's `DROPCOUNT` lines are among them): they give `undefined`.
 *
 * The rest follows canplayer: `(SEC.FRACTION)` with 6 or 9 fraction digits, white space, an
 * interface name, white space, a frame in compact text; anything after the frame is ignored
 * except candump `-x`'s `T`/`R` marker.
 *
 * @param line - The line, with or without a trailing `\r`.
 * @param lineNumber - Its 1-based number, for errors.
 * @throws {@link CanLogError} `ERR_RXSOCK_DECODE` with the line number for a line that starts
 * with `(` but is not a log entry.
 */
export function parseCandumpLine(line: string, lineNumber = 0): CandumpLogEntry | undefined {
  if (line.charCodeAt(0) !== 40) return undefined;
  const len = line.length;
  let i = 1;
  let sec = 0;
  const secStart = i;
  while (i < len && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) sec = sec * 10 + (line.charCodeAt(i++) - 48);
  if (i === secStart || i - secStart > 16 || line.charCodeAt(i) !== 46) {
    throw new CanLogError('a log line starts with (SECONDS.FRACTION)', lineNumber, line);
  }
  i++;
  const fracStart = i;
  let frac = 0;
  while (i < len && line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) frac = frac * 10 + (line.charCodeAt(i++) - 48);
  const digits = i - fracStart;
  if (line.charCodeAt(i) !== 41) throw new CanLogError('the timestamp must end with )', lineNumber, line);
  if (digits !== 6 && digits !== 9) throw new CanLogError('the timestamp needs 6 or 9 decimal places', lineNumber, line);
  i++;
  const field = (): string => {
    while (i < len && isSpace(line.charCodeAt(i))) i++;
    const start = i;
    while (i < len && !isSpace(line.charCodeAt(i))) i++;
    return line.slice(start, i);
  };
  const interfaceName = field();
  const text = field();
  if (interfaceName === '' || text === '') throw new CanLogError('a log line needs an interface name and a frame', lineNumber, line);
  if (interfaceName.length > 15) throw new CanLogError('interface names have at most 15 characters', lineNumber, line);
  const frame = parseCanFrameText(text, lineNumber);
  const marker = field();
  const entry: CandumpLogEntry = {
    frame,
    interfaceName,
    timestampSec: sec,
    timestampNsec: digits === 6 ? frac * 1000 : frac,
    ...(marker === 'T' || marker === 'R' ? { direction: marker } : {}),
  };
  return entry;
}
