import { bitRuns, bytesNeeded, type BitRun } from './bits.js';
import { DbcError } from './errors.js';
import type { DbcMessage, DbcSignal } from './model.js';

/** Physical values by signal name. Signals a multiplexer does not select are absent. */
export type SignalValues = Record<string, number>;

/**
 * @internal A message compiled once: a decode function generated from its signal layout (one
 * straight-line read per byte run, no walk over signal objects per frame) and the runs the
 * encoder writes.
 */
export interface MessagePlan {
  readonly message: DbcMessage;
  /** Bytes every signal needs; a shorter payload decodes the signals that fit. */
  readonly bytesNeeded: number;
  readonly decode: (data: Uint8Array) => SignalValues;
  readonly signals: readonly SignalPlan[];
}

/** @internal */
export interface SignalPlan {
  readonly signal: DbcSignal;
  readonly runs: readonly BitRun[];
  readonly bytesNeeded: number;
  /** The switch that selects this signal, planned before it; undefined when always present. */
  readonly multiplexer: SignalPlan | undefined;
}

// Reinterpreting raw bits as IEEE floats; the two words of a double in the host's order.
const words = new Uint32Array(2);
const float32 = new Float32Array(words.buffer);
const float64 = new Float64Array(words.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN_HOST ? 0 : 1;
const HI = 1 - LO;

/** @internal Compiles a message into its plan. */
export function planMessage(message: DbcMessage): MessagePlan {
  const byName = new Map(message.signals.map((s) => [s.name, s]));
  const plans = new Map<string, SignalPlan>();
  const visiting = new Set<string>();
  const plan = (signal: DbcSignal): SignalPlan => {
    const done = plans.get(signal.name);
    if (done) return done;
    if (visiting.has(signal.name)) throw new DbcError(`message ${message.name}: multiplexers of ${signal.name} form a cycle`, 'ERR_RXSOCK_DBC_LAYOUT');
    visiting.add(signal.name);
    const muxName = signal.multiplexedBy?.multiplexer;
    const muxSignal = muxName === undefined ? undefined : byName.get(muxName);
    if (muxName !== undefined && !muxSignal) throw new DbcError(`message ${message.name}: ${signal.name} names a missing multiplexer ${muxName}`, 'ERR_RXSOCK_DBC_LAYOUT');
    const runs = bitRuns(signal.startBit, signal.length, signal.byteOrder);
    const p: SignalPlan = { signal, runs, bytesNeeded: bytesNeeded(runs), multiplexer: muxSignal && plan(muxSignal) };
    plans.set(signal.name, p);
    return p;
  };
  // Switches come before the signals they select, so generated code can test them.
  const ordered: SignalPlan[] = [];
  const depth = (p: SignalPlan): number => (p.multiplexer ? depth(p.multiplexer) + 1 : 0);
  for (const s of message.signals) ordered.push(plan(s));
  ordered.sort((a, b) => depth(a) - depth(b) || Number(b.signal.isMultiplexer) - Number(a.signal.isMultiplexer));
  let need = 0;
  for (const p of ordered) need = Math.max(need, p.bytesNeeded);
  return { message, bytesNeeded: need, decode: compileDecoder(message, ordered), signals: ordered };
}

/**
 * Generates `(d) => values` for a message. Each signal reads its byte runs into a low and a high
 * 32-bit word, sign-extends, reinterprets floats, scales, and stores; multiplexed signals only
 * when their switch is present and holds one of their values. The generated text depends only on
 * the DBC, never on frame data.
 */
function compileDecoder(message: DbcMessage, ordered: readonly SignalPlan[]): (data: Uint8Array) => SignalValues {
  const lines: string[] = ['const n = d.length;', 'const out = {};', 'let lo = 0, hi = 0, r = 0;'];
  const rawVar = new Map<SignalPlan, string>();
  ordered.forEach((p, index) => {
    const s = p.signal;
    const conditions = [`n >= ${p.bytesNeeded}`];
    if (p.multiplexer) {
      const v = rawVar.get(p.multiplexer)!;
      const ranges = s.multiplexedBy!.values.map(([a, b]) => (a === b ? `${v} === ${a}` : `(${v} >= ${a} && ${v} <= ${b})`));
      conditions.push(`${v} === ${v}`, ranges.length ? `(${ranges.join(' || ')})` : 'false'); // NaN: switch absent
    }
    const body: string[] = [];
    const loRuns = p.runs.filter((r) => r.valueShift < 32);
    const hiRuns = p.runs.filter((r) => r.valueShift >= 32);
    body.push(`lo = ${wordExpression(loRuns, 0)};`);
    if (hiRuns.length) body.push(`hi = ${wordExpression(hiRuns, 32)};`);
    body.push(...rawExpression(s));
    if (s.isMultiplexer) {
      const v = `m${index}`;
      rawVar.set(p, v);
      lines.push(`let ${v} = NaN;`);
      body.push(`${v} = r;`);
    }
    const scaled = s.factor === 1 && s.offset === 0 ? 'r' : s.offset === 0 ? `r * ${num(s.factor)}` : `r * ${num(s.factor)} + ${num(s.offset)}`;
    body.push(`out[${JSON.stringify(s.name)}] = ${scaled};`);
    lines.push(`if (${conditions.join(' && ')}) {`, ...body.map((b) => `  ${b}`), '}');
  });
  lines.push('return out;');
  const factory = new Function('words', 'float32', 'float64', 'LO', 'HI', `return function decode_${safeName(message.name)}(d) {\n${lines.join('\n')}\n};`);
  return factory(words, float32, float64, LO, HI) as (data: Uint8Array) => SignalValues;
}

/** One 32-bit word from runs, as an unsigned number (sums, since runs never overlap). */
function wordExpression(runs: readonly BitRun[], base: number): string {
  if (runs.length === 0) return '0';
  const terms = runs.map((r) => {
    const mask = (1 << r.width) - 1;
    let bits = r.shift === 0 ? `d[${r.byte}]` : `(d[${r.byte}] >> ${r.shift})`;
    if (r.shift + r.width < 8) bits = `(${bits} & ${mask})`;
    const at = r.valueShift - base;
    if (at === 0) return bits;
    return at + r.width <= 31 ? `(${bits} << ${at})` : `(${bits} * ${2 ** at})`;
  });
  return terms.join(' + ');
}

/** Statements turning `lo`/`hi` into the raw value `r`. */
function rawExpression(s: DbcSignal): string[] {
  const len = s.length;
  if (s.valueType === 'float') return ['words[0] = lo;', 'r = float32[0];'];
  if (s.valueType === 'double') return ['words[LO] = lo; words[HI] = hi;', 'r = float64[0];'];
  if (len <= 32) {
    if (!s.signed) return ['r = lo;'];
    return len === 32 ? ['r = lo | 0;'] : [`r = lo >= ${2 ** (len - 1)} ? lo - ${2 ** len} : lo;`];
  }
  if (len <= 53) {
    const joined = 'r = hi * 4294967296 + lo;';
    return s.signed ? [joined, `if (r >= ${2 ** (len - 1)}) r -= ${2 ** len};`] : [joined];
  }
  // Beyond 2^53 a double cannot hold every integer: join exactly, then round once.
  const asN = s.signed ? 'asIntN' : 'asUintN';
  return [`r = Number(BigInt.${asN}(${len}, (BigInt(hi) << 32n) | BigInt(lo)));`];
}

function num(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v);
}

function safeName(name: string): string {
  return name.replace(/\W/g, '_');
}

/** @internal Writes one signal's physical value into `data`. */
export function encodeSignal(p: SignalPlan, value: number, data: Uint8Array): number {
  const s = p.signal;
  let lo: number;
  let hi = 0;
  let raw: number;
  if (s.valueType === 'float') {
    float32[0] = (value - s.offset) / s.factor;
    raw = float32[0]!;
    lo = words[0]!;
  } else if (s.valueType === 'double') {
    float64[0] = (value - s.offset) / s.factor;
    raw = float64[0]!;
    lo = words[LO]!;
    hi = words[HI]!;
  } else {
    raw = Math.round((value - s.offset) / s.factor);
    const min = s.signed ? -(2 ** (s.length - 1)) : 0;
    const max = s.signed ? 2 ** (s.length - 1) - 1 : 2 ** s.length - 1;
    if (!Number.isFinite(raw) || raw < min || raw > max) {
      throw new DbcError(`signal ${s.name}: ${value} gives the raw value ${raw}, outside ${min}..${max} for ${s.length} ${s.signed ? 'signed' : 'unsigned'} bits`, 'ERR_RXSOCK_DBC_RANGE');
    }
    if (s.length > 53) {
      const bits = BigInt.asUintN(s.length, BigInt(raw));
      lo = Number(bits & 0xffffffffn);
      hi = Number(bits >> 32n);
    } else {
      const unsigned = raw < 0 ? raw + 2 ** s.length : raw;
      lo = unsigned % 4294967296;
      hi = Math.floor(unsigned / 4294967296);
    }
  }
  for (const r of p.runs) {
    const word = r.valueShift >= 32 ? hi : lo;
    const at = r.valueShift % 32;
    const bits = Math.floor(word / 2 ** at) & ((1 << r.width) - 1);
    const mask = ((1 << r.width) - 1) << r.shift;
    data[r.byte] = (data[r.byte]! & ~mask) | (bits << r.shift);
  }
  return raw;
}
