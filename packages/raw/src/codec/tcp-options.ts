/** TCP options (RFC 9293, 7323, 2018): MSS, window scale, SACK permitted, SACK blocks, timestamps, the rest raw. */
import { invalidArgument } from '@rxsock/core';
import { checkField, put16, put32, u16, u32 } from './bytes.js';

/** One TCP option, decoded. Kinds this codec does not know (or with an unexpected length) are `'other'`. */
export type TcpOption =
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'mss'; value: number }
  | { kind: 'windowScale'; shift: number }
  | { kind: 'sackPermitted' }
  | { kind: 'sack'; blocks: [number, number][] }
  | { kind: 'timestamp'; value: number; echo: number }
  | { kind: 'other'; type: number; data: Uint8Array };

/** TCP option kind numbers. */
export const TcpOptionKind = { EOL: 0, NOP: 1, MSS: 2, WindowScale: 3, SackPermitted: 4, Sack: 5, Timestamp: 8 } as const;

/**
 * @internal Decodes the options in `[start, end)`. An EOL ends the list (the padding after it is
 * not listed). An option whose length is below 2 or runs past the header ends the walk too and
 * is reported by `onMalformed`, returning what was decoded before it.
 */
export function decodeTcpOptions(b: Uint8Array, start: number, end: number, onMalformed: (at: number, detail: string) => never): TcpOption[] {
  const out: TcpOption[] = [];
  let at = start;
  while (at < end) {
    const kind = b[at] as number;
    if (kind === 0) {
      out.push({ kind: 'eol' });
      break;
    }
    if (kind === 1) {
      out.push({ kind: 'nop' });
      at++;
      continue;
    }
    if (at + 1 >= end) onMalformed(at, `option ${kind} has no length byte`);
    const len = b[at + 1] as number;
    if (len < 2 || at + len > end) onMalformed(at, `option ${kind} length ${len} does not fit the header`);
    out.push(decodeOne(b, kind, at, len));
    at += len;
  }
  return out;
}

function decodeOne(b: Uint8Array, kind: number, at: number, len: number): TcpOption {
  if (kind === 2 && len === 4) return { kind: 'mss', value: u16(b, at + 2) };
  if (kind === 3 && len === 3) return { kind: 'windowScale', shift: b[at + 2] as number };
  if (kind === 4 && len === 2) return { kind: 'sackPermitted' };
  if (kind === 8 && len === 10) return { kind: 'timestamp', value: u32(b, at + 2), echo: u32(b, at + 6) };
  if (kind === 5 && (len - 2) % 8 === 0) {
    const blocks: [number, number][] = [];
    for (let p = at + 2; p < at + len; p += 8) blocks.push([u32(b, p), u32(b, p + 4)]);
    return { kind: 'sack', blocks };
  }
  return { kind: 'other', type: kind, data: b.slice(at + 2, at + len) };
}

/** @internal Encodes options, padded with EOL to a multiple of 4 (at most 40 bytes). */
export function encodeTcpOptions(options: TcpOption[] | Uint8Array | undefined): Uint8Array {
  if (options === undefined) return new Uint8Array(0);
  if (options instanceof Uint8Array) {
    if (options.length % 4 !== 0 || options.length > 40) throw invalidArgument('tcp.options: raw options must be a multiple of 4 bytes, at most 40');
    return options;
  }
  const out = new Uint8Array(44);
  let at = 0;
  const room = (n: number): void => {
    if (at + n > 40) throw invalidArgument('tcp.options: more than 40 bytes of options');
  };
  for (const o of options) {
    switch (o.kind) {
      case 'eol': room(1); out[at++] = 0; break;
      case 'nop': room(1); out[at++] = 1; break;
      case 'mss': room(4); out[at] = 2; out[at + 1] = 4; put16(out, at + 2, checkField(o.value, 0xffff, 'mss')); at += 4; break;
      case 'windowScale': room(3); out[at] = 3; out[at + 1] = 3; out[at + 2] = checkField(o.shift, 0xff, 'windowScale'); at += 3; break;
      case 'sackPermitted': room(2); out[at] = 4; out[at + 1] = 2; at += 2; break;
      case 'sack':
        room(2 + 8 * o.blocks.length);
        out[at] = 5;
        out[at + 1] = 2 + 8 * o.blocks.length;
        o.blocks.forEach(([l, r], i) => {
          put32(out, at + 2 + 8 * i, checkField(l, 0xffffffff, 'sack left edge'));
          put32(out, at + 6 + 8 * i, checkField(r, 0xffffffff, 'sack right edge'));
        });
        at += 2 + 8 * o.blocks.length;
        break;
      case 'timestamp': room(10); out[at] = 8; out[at + 1] = 10; put32(out, at + 2, checkField(o.value, 0xffffffff, 'timestamp')); put32(out, at + 6, checkField(o.echo, 0xffffffff, 'timestamp echo')); at += 10; break;
      case 'other':
        room(2 + o.data.length);
        out[at] = checkField(o.type, 0xff, 'tcp option type');
        out[at + 1] = 2 + o.data.length;
        out.set(o.data, at + 2);
        at += 2 + o.data.length;
        break;
      default:
        throw invalidArgument(`unknown TCP option kind ${String((o as { kind: unknown }).kind)}`);
    }
  }
  return out.slice(0, Math.ceil(at / 4) * 4);
}
