/**
 * cangen's command line and its frame sequence. The sequence is a pure state machine that
 * follows cangen's own (increment modes, DLC rules, FD length rounding, mix mode), so that the
 * fixed and increment modes produce exactly the frames can-utils' cangen produces.
 */
import { CANFD_DLC_TO_LEN, canFdLenToDlc, type CanFrame } from '../codec/frame.js';
import { atoi, getopt, strtoul32 } from './getopt.js';
import { exit, run, type CliParse } from './result.js';
import { cangenUsage } from './usage.js';

/** A generation mode: random, increment, or a fixed value. */
export type GenMode = { readonly kind: 'random' } | { readonly kind: 'increment' } | { readonly kind: 'fix'; readonly value: number };

/** cangen's options. */
export interface CangenOptions {
  readonly interfaceName: string;
  /** `-g` in ms (0: as fast as possible). */
  readonly gapMs: number;
  readonly extended: boolean;
  readonly fd: boolean;
  readonly brs: boolean;
  readonly esi: boolean;
  readonly rtr: boolean;
  readonly mix: boolean;
  readonly idMode: GenMode;
  readonly dlcMode: GenMode;
  readonly dataMode: GenMode;
  /** Fixed data for `-D <hex>` (64 bytes, zero-filled). */
  readonly fixData: Uint8Array;
  /** `-n` (0: forever). */
  readonly count: number;
  /** `-i`. */
  readonly ignoreEnobufs: boolean;
  /** `-p` ms (0: off). */
  readonly pollTimeoutMs: number;
  /** `-x`. */
  readonly loopbackDisable: boolean;
  /** `-c`. */
  readonly burst: number;
  /** `-v` count. */
  readonly verbose: number;
}

function mode(arg: string): GenMode | undefined {
  if (arg[0] === 'r') return { kind: 'random' };
  if (arg[0] === 'i') return { kind: 'increment' };
  return undefined;
}

/** cangen's hexstring2data: an even number of hex digits, at most 2 * max. */
function hexData(arg: string, max: number): Uint8Array | undefined {
  if (arg.length === 0 || arg.length % 2 !== 0 || arg.length > max * 2 || !/^[0-9a-fA-F]*$/.test(arg)) return undefined;
  const out = new Uint8Array(max);
  for (let i = 0; i < arg.length / 2; i++) out[i] = Number.parseInt(arg.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Parses cangen's arguments; errors exit as cangen does (usage to stderr or a message to stdout, status 1). */
export function parseCangenArgs(args: readonly string[], prog = 'cangen'): CliParse<CangenOptions> {
  const g = getopt(args, 'ig:ebEfmI:L:D:xp:n:c:vRh?', prog);
  if (g.error !== undefined) return exit(1, `${g.error}\n${cangenUsage(prog)}`);
  let gapMs = 200;
  let extended = false;
  let fd = false;
  let brs = false;
  let esi = false;
  let rtr = false;
  let mix = false;
  let idMode: GenMode = { kind: 'random' };
  let dlcMode: GenMode = { kind: 'random' };
  let dataMode: GenMode = { kind: 'random' };
  let fixData: Uint8Array = new Uint8Array(64);
  let count = 0;
  let ignoreEnobufs = false;
  let pollTimeoutMs = 0;
  let loopbackDisable = false;
  let burst = 1;
  let verbose = 0;
  for (const { opt, arg = '' } of g.options) {
    switch (opt) {
      case 'i': ignoreEnobufs = true; break;
      case 'g': {
        const v = Number.parseFloat(arg);
        gapMs = Number.isFinite(v) ? v : 0;
        break;
      }
      case 'e': extended = true; break;
      case 'f': fd = true; break;
      case 'b': brs = true; fd = true; break;
      case 'E': esi = true; fd = true; break;
      case 'm': mix = true; fd = true; break;
      case 'R': rtr = true; break;
      case 'I': idMode = mode(arg) ?? { kind: 'fix', value: strtoul32(arg, 16).value }; break;
      case 'L': dlcMode = mode(arg) ?? { kind: 'fix', value: atoi(arg) & 0xff }; break;
      case 'D': {
        const m = mode(arg);
        if (m !== undefined) dataMode = m;
        else {
          const data = hexData(arg, 64);
          if (data === undefined) return exit(1, '', 'wrong fix data definition\n');
          dataMode = { kind: 'fix', value: 0 };
          fixData = data;
        }
        break;
      }
      case 'c': burst = strtoul32(arg, 10).value; break;
      case 'v': verbose++; break;
      case 'x': loopbackDisable = true; break;
      case 'p': pollTimeoutMs = strtoul32(arg, 10).value; break;
      case 'n':
        count = atoi(arg);
        if (count < 1) return exit(1, cangenUsage(prog));
        break;
      default:
        return exit(1, cangenUsage(prog));
    }
  }
  if (g.operands.length === 0) return exit(1, cangenUsage(prog));
  if (idMode.kind === 'fix' && idMode.value > 0x7ff && !extended) {
    return exit(1, '', "The given CAN-ID is greater than 0x7FF and the '-e' option is not set.\n");
  }
  const interfaceName = g.operands[0]!;
  if (interfaceName.length >= 16) return exit(1, '', `Name of CAN device '${interfaceName}' is too long!\n\n`);
  return run({
    interfaceName,
    gapMs,
    extended,
    fd,
    brs,
    esi,
    rtr,
    mix,
    idMode,
    dlcMode,
    dataMode,
    fixData,
    count,
    ignoreEnobufs,
    pollTimeoutMs,
    loopbackDisable,
    burst,
    verbose,
  });
}

/** A source of 31-bit random numbers (C's `random()`); Math.random by default. */
export type RandomSource = () => number;

const defaultRandom: RandomSource = () => Math.floor(Math.random() * 0x80000000);

/**
 * The frames cangen sends, in order, forever (stop after `count` yourself). Frames are fresh
 * objects: they may be queued by a writer while the next is made.
 */
export function* cangenFrames(o: CangenOptions, random: RandomSource = defaultRandom): Generator<CanFrame, void, undefined> {
  let canId = o.idMode.kind === 'fix' ? o.idMode.value >>> 0 : 0;
  let len = o.dlcMode.kind === 'fix' ? o.dlcMode.value : 0;
  let extended = o.extended;
  let fd = o.fd;
  let brs = o.brs;
  let esi = o.esi;
  let rtr = o.rtr;
  const data = new Uint8Array(64);
  if (fd) len = CANFD_DLC_TO_LEN[canFdLenToDlc(len)]!;
  else if (len > 8) len = 8;
  let incDlc = 0;
  let incData = 0n;
  for (;;) {
    if (o.idMode.kind === 'random') canId = random();
    canId = extended ? (canId & 0x1fffffff) >>> 0 : canId & 0x7ff;
    const isRtr = rtr && !fd;
    if (o.dlcMode.kind === 'random') {
      if (fd) len = CANFD_DLC_TO_LEN[random() & 0xf]!;
      else {
        len = random() & 0xf;
        if (len & 8) len = 8;
      }
    }
    if (o.dataMode.kind === 'increment' && len === 0) len = 1;
    if (o.dataMode.kind === 'random') {
      const r1 = random();
      const r2 = random();
      for (let i = 0; i < 4; i++) {
        data[i] = (r1 >>> (8 * i)) & 0xff;
        data[4 + i] = (r2 >>> (8 * i)) & 0xff;
      }
      if (fd && len > 8) for (let i = 8; i < 64; i++) data[i] = data[i % 8]!;
    }
    if (o.dataMode.kind === 'fix') data.set(o.fixData);
    const maxLen = fd ? 64 : 8;
    if (len < maxLen) data.fill(0, len, maxLen);
    // A classic length over 8 (mix mode switching from FD) is sent capped, as the kernel reads it.
    const sendLen = fd ? len : Math.min(len, 8);
    if (fd) {
      const padded = CANFD_DLC_TO_LEN[canFdLenToDlc(sendLen)]!;
      yield { kind: 'fd', id: canId, extended, error: false, brs, esi, len: padded, data: data.slice(0, padded) };
    } else if (isRtr) {
      yield { kind: 'classic', id: canId, extended, rtr: true, error: false, len: sendLen, len8Dlc: 0, data: new Uint8Array(0) };
    } else {
      yield { kind: 'classic', id: canId, extended, rtr: false, error: false, len: sendLen, len8Dlc: 0, data: data.slice(0, sendLen) };
    }
    if (o.idMode.kind === 'increment') canId = (canId + 1) >>> 0;
    if (o.dlcMode.kind === 'increment') {
      incDlc++;
      if (fd && !o.mix) {
        incDlc &= 0xf;
        len = CANFD_DLC_TO_LEN[incDlc]!;
      } else {
        incDlc %= 9;
        len = incDlc;
      }
    }
    if (o.dataMode.kind === 'increment') {
      incData++;
      for (let i = 0; i < 8; i++) data[i] = Number((incData >> BigInt(i * 8)) & 0xffn);
    }
    if (o.mix) {
      const i = random();
      extended = (i & 1) !== 0;
      fd = (i & 2) !== 0;
      if (fd) {
        brs = (i & 4) !== 0;
        esi = (i & 8) !== 0;
      }
      rtr = (i & 24) === 24;
    }
  }
}
