/**
 * candump's human-readable frame layout (what it prints without `-L`): id, `[len]`, bytes in
 * hex or binary, optionally swapped, with the ASCII column or `ERRORFRAME` marker, and `-e`'s
 * error description. Byte-identical to can-utils 2020.11's `sprint_long_canframe` and
 * `snprintf_can_error_frame`.
 */
import { CAN_EFF_MASK, CAN_ERR_FLAG, CAN_ERR_MASK, type CanFrame } from '../codec/frame.js';

/** How a frame is laid out. */
export interface LongFormatView {
  /** `-i`: bytes as 8 binary digits. */
  binary?: boolean;
  /** `-a`: the ASCII column (frames up to 8 bytes). */
  ascii?: boolean;
  /** `-S`: bytes in reverse order, joined by a backtick. */
  swap?: boolean;
  /** Indent standard ids by 5 columns (candump does once it has seen an extended frame). */
  indentSff?: boolean;
}

const HEX = '0123456789ABCDEF';

function hex2(b: number): string {
  return HEX[b >> 4]! + HEX[b & 15]!;
}

function bits(b: number): string {
  let s = '';
  for (let j = 7; j >= 0; j--) s += (b >> j) & 1 ? '1' : '0';
  return s;
}

function idDigits(value: number, digits: number): string {
  let s = '';
  for (let i = digits - 1; i >= 0; i--) s += HEX[(value >>> (i * 4)) & 15]!;
  return s;
}

/** The frame's id word as candump masks it for printing, and whether it takes 8 digits. */
function printedId(frame: CanFrame): { text: string; wide: boolean } {
  if (frame.kind === 'xl') return { text: idDigits(frame.prio, 3), wide: false };
  if (frame.error) return { text: idDigits(((frame.id & CAN_ERR_MASK) | CAN_ERR_FLAG) >>> 0, 8), wide: true };
  if (frame.extended) return { text: idDigits(frame.id & CAN_EFF_MASK, 8), wide: true };
  return { text: idDigits(frame.id & 0x7ff, 3), wide: false };
}

/**
 * One frame in candump's long layout (without `-e`'s error lines).
 * @example `123   [4]  DE AD BE EF`, `12345678  [12]  00 ...`, `123   [0]  remote request`
 */
export function formatLongFrame(frame: CanFrame, view: LongFormatView = {}): string {
  const fd = frame.kind !== 'classic';
  const maxLen = frame.kind === 'classic' ? 8 : 64;
  const len = Math.min(frame.kind === 'classic' ? frame.len : frame.data.length, maxLen);
  const id = printedId(frame);
  // The id field is 15 columns of spaces with the id written in; `offset` is where '[' goes.
  let head: string;
  let offset: number;
  if (id.wide) {
    head = id.text;
    offset = 10;
  } else if (view.indentSff === true) {
    head = `     ${id.text}`;
    offset = 10;
  } else {
    head = id.text;
    offset = 5;
  }
  let out: string;
  if (!fd) {
    out = head.padEnd(offset + 1, ' ') + `[${len}]`;
    if (frame.kind === 'classic' && frame.rtr) return `${out}  remote request`;
  } else {
    out = head.padEnd(offset, ' ') + `[${Math.floor(len / 10)}${len % 10}]`;
  }
  out += ' ';
  const data = frame.data;
  const b = (i: number): number => data[i] ?? 0;
  const dlen = view.binary === true ? 9 : 3;
  if (view.swap === true) {
    for (let i = len - 1; i >= 0; i--) out += (i === len - 1 ? ' ' : '`') + (view.binary === true ? bits(b(i)) : hex2(b(i)));
  } else {
    for (let i = 0; i < len; i++) out += ' ' + (view.binary === true ? bits(b(i)) : hex2(b(i)));
  }
  if (len > 8) return out;
  if (frame.kind !== 'xl' && frame.error) return out + 'ERRORFRAME'.padStart(dlen * (8 - len) + 13, ' ');
  if (view.ascii === true) {
    const j = dlen * (8 - len) + 4;
    const q = view.swap === true ? '`' : "'";
    let text = '';
    if (view.swap === true) for (let i = len - 1; i >= 0; i--) text += printable(b(i));
    else for (let i = 0; i < len; i++) text += printable(b(i));
    return out + q.padStart(j, ' ') + text + q;
  }
  return out;
}

function printable(c: number): string {
  return c > 0x1f && c < 0x7f ? String.fromCharCode(c) : '.';
}

const ERROR_CLASSES = [
  'tx-timeout',
  'lost-arbitration',
  'controller-problem',
  'protocol-violation',
  'transceiver-status',
  'no-acknowledgement-on-tx',
  'bus-off',
  'bus-error',
  'restarted-after-bus-off',
];
const CONTROLLER_PROBLEMS = ['rx-overflow', 'tx-overflow', 'rx-error-warning', 'tx-error-warning', 'rx-error-passive', 'tx-error-passive', 'back-to-error-active'];
const PROTOCOL_TYPES = ['single-bit-error', 'frame-format-error', 'bit-stuffing-error', 'tx-dominant-bit-error', 'tx-recessive-bit-error', 'bus-overload', 'active-error', 'error-on-tx'];
const PROTOCOL_LOCATIONS = [
  'unspecified', 'unspecified', 'id.28-to-id.21', 'start-of-frame', 'bit-srtr', 'bit-ide', 'id.20-to-id.18', 'id.17-to-id.13',
  'crc-sequence', 'reserved-bit-0', 'data-field', 'data-length-code', 'bit-rtr', 'reserved-bit-1', 'id.4-to-id.0', 'id.12-to-id.5',
  'unspecified', 'active-error-flag', 'intermission', 'tolerate-dominant-bits', 'unspecified', 'unspecified', 'passive-error-flag', 'error-delimiter',
  'crc-delimiter', 'acknowledge-slot', 'end-of-frame', 'acknowledge-delimiter', 'overload-flag', 'unspecified', 'unspecified', 'unspecified',
];

function bitNames(value: number, names: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if (value & (1 << i)) out.push(names[i]!);
  return out.join(',');
}

/**
 * candump `-e`'s description of an error frame (`controller-problem{rx-error-warning}`...),
 * classes joined by `sep`. Undefined when the class bits are out of range (candump then writes
 * `Error class 0x... is invalid` to stderr and repeats the frame line).
 */
export function formatErrorText(frame: CanFrame, sep: string): string | undefined {
  if (frame.kind === 'xl' || !frame.error) return '';
  const cls = frame.id & CAN_EFF_MASK;
  if (cls > 1 << ERROR_CLASSES.length) return undefined;
  const d = (i: number): number => frame.data[i] ?? 0;
  const parts: string[] = [];
  for (let i = 0; i < ERROR_CLASSES.length; i++) {
    const mask = 1 << i;
    if (!(cls & mask)) continue;
    let s = ERROR_CLASSES[i]!;
    if (mask === 0x02) s += `{at bit ${d(0)}}`;
    if (mask === 0x04) s += `{${bitNames(d(1), CONTROLLER_PROBLEMS)}}`;
    if (mask === 0x08) s += `{{${bitNames(d(2), PROTOCOL_TYPES)}}{${d(3) > 0 && d(3) < PROTOCOL_LOCATIONS.length ? PROTOCOL_LOCATIONS[d(3)] : ''}}}`;
    parts.push(s);
  }
  let text = parts.join(sep);
  if (d(6) || d(7)) text += `${sep}error-counter-tx-rx{{${d(6)}}{${d(7)}}}`;
  return text;
}
