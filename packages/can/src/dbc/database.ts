import { readFile } from 'node:fs/promises';
import { DbcError } from './errors.js';
import type { DbcAttributeDefinition, DbcMessage, DbcNode, DbcSignal } from './model.js';
import { parseDbc } from './parse.js';
import { encodeSignal, planMessage, type MessagePlan, type SignalValues } from './plan.js';

/** What {@link DbcDatabase.decode} reads: any frame with an id, its id kind, and its payload. */
export interface FrameLike {
  readonly id: number;
  /** 29-bit id; false or absent for an 11-bit one. */
  readonly extended?: boolean;
  readonly data: Uint8Array;
}

/** A frame decoded into named physical values. */
export interface DecodedMessage {
  readonly message: DbcMessage;
  /** Physical values (`raw * factor + offset`) by signal name. */
  readonly values: SignalValues;
  /** True when the payload was shorter than the signals need: those that did not fit are absent. */
  readonly truncated: boolean;
}

/** A frame built by {@link DbcDatabase.encode}. */
export interface EncodedFrame {
  readonly id: number;
  readonly extended: boolean;
  /** True for a CAN FD message (its `VFrameFormat`, or a size above 8). */
  readonly fd: boolean;
  readonly data: Uint8Array;
}

/** Values to encode: physical numbers, or the label of a value description. */
export type SignalInput = Record<string, number | string>;

/**
 * A loaded DBC database: messages with their signals, compiled once into decode plans, so that
 * decoding a frame is one map lookup and one generated function call.
 */
export class DbcDatabase {
  /** The `VERSION` string. */
  readonly version: string;
  readonly messages: readonly DbcMessage[];
  readonly nodes: readonly DbcNode[];
  /** Named value tables (`VAL_TABLE_`). */
  readonly valueTables: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly attributeDefinitions: readonly DbcAttributeDefinition[];
  /** Attribute values of the database itself. */
  readonly attributes: ReadonlyMap<string, number | string>;
  private readonly standard = new Map<number, MessagePlan>();
  private readonly extended = new Map<number, MessagePlan>();
  private readonly byName = new Map<string, MessagePlan>();

  /** @internal Use {@link loadDbc}. */
  constructor(parsed: ReturnType<typeof parseDbc>) {
    this.version = parsed.version;
    this.messages = parsed.messages;
    this.nodes = parsed.nodes;
    this.valueTables = parsed.valueTables;
    this.attributeDefinitions = parsed.attributeDefinitions;
    this.attributes = parsed.attributes;
    for (const m of parsed.messages) {
      const plan = planMessage(m);
      (m.extended ? this.extended : this.standard).set(m.id, plan);
      this.byName.set(m.name, plan);
    }
  }

  /** The message with this id (and id kind), or undefined. */
  find(id: number, extended = false): DbcMessage | undefined {
    return (extended ? this.extended : this.standard).get(id)?.message;
  }

  /**
   * The message with this name, or this id.
   * @throws {@link DbcError} `ERR_RXSOCK_DBC_UNKNOWN` when there is none.
   */
  message(nameOrId: string | number, extended = false): DbcMessage {
    return this.plan(nameOrId, extended).message;
  }

  /** The signal `name` of a message. @throws {@link DbcError} `ERR_RXSOCK_DBC_UNKNOWN`. */
  signal(message: string | number, name: string): DbcSignal {
    const s = this.message(message).signals.find((x) => x.name === name);
    if (!s) throw new DbcError(`message ${this.message(message).name} has no signal ${name}`, 'ERR_RXSOCK_DBC_UNKNOWN');
    return s;
  }

  /**
   * Decodes a frame into physical values, or returns undefined when its id is not in the
   * database. Signals a multiplexer does not select are absent; a payload shorter than the
   * message needs decodes the signals that fit and says `truncated`.
   */
  decode(frame: FrameLike): DecodedMessage | undefined {
    const plan = (frame.extended ? this.extended : this.standard).get(frame.id);
    if (!plan) return undefined;
    return { message: plan.message, values: plan.decode(frame.data), truncated: frame.data.length < plan.bytesNeeded };
  }

  /** Decodes a payload as the given message: the values alone. */
  decodeValues(message: string | number, data: Uint8Array, extended = false): SignalValues {
    return this.plan(message, extended).decode(data);
  }

  /**
   * Encodes values into a frame of the message's size. Every signal the multiplexers select must
   * be given (switches first decide which); unselected ones are ignored. A label of the signal's
   * value descriptions stands for its raw value.
   *
   * @throws {@link DbcError} `ERR_RXSOCK_DBC_MISSING` for a value not given,
   * `ERR_RXSOCK_DBC_RANGE` for one its bits cannot hold, `ERR_RXSOCK_DBC_UNKNOWN` for an unknown
   * message, label, or signal name.
   */
  encode(message: string | number, values: SignalInput, extended = false): EncodedFrame {
    const plan = this.plan(message, extended);
    const m = plan.message;
    for (const name of Object.keys(values)) {
      if (!m.signals.some((s) => s.name === name)) throw new DbcError(`message ${m.name} has no signal ${name}`, 'ERR_RXSOCK_DBC_UNKNOWN');
    }
    const data = new Uint8Array(m.size);
    const raws = new Map<string, number>();
    for (const p of plan.signals) {
      const s = p.signal;
      if (p.multiplexer) {
        const sw = raws.get(p.multiplexer.signal.name);
        if (sw === undefined || !s.multiplexedBy!.values.some(([a, b]) => sw >= a && sw <= b)) continue;
      }
      const given = values[s.name];
      if (given === undefined) throw new DbcError(`message ${m.name}: no value for signal ${s.name}`, 'ERR_RXSOCK_DBC_MISSING');
      if (p.bytesNeeded > m.size) throw new DbcError(`signal ${s.name} needs ${p.bytesNeeded} bytes but ${m.name} has ${m.size}`, 'ERR_RXSOCK_DBC_LAYOUT');
      const physical = typeof given === 'string' ? labelValue(s, given) * s.factor + s.offset : given;
      raws.set(s.name, encodeSignal(p, physical, data));
    }
    return { id: m.id, extended: m.extended, fd: m.fd, data };
  }

  /** The value description of a signal's physical value, if it has one. */
  label(message: string | number, signal: string, physical: number): string | undefined {
    const s = this.signal(message, signal);
    return s.choices?.get(Math.round((physical - s.offset) / s.factor));
  }

  private plan(nameOrId: string | number, extended: boolean): MessagePlan {
    const plan = typeof nameOrId === 'string' ? this.byName.get(nameOrId) : (extended ? this.extended : this.standard).get(nameOrId);
    if (!plan) throw new DbcError(`no message ${typeof nameOrId === 'string' ? nameOrId : `0x${nameOrId.toString(16)}`} in the database`, 'ERR_RXSOCK_DBC_UNKNOWN');
    return plan;
  }
}

function labelValue(s: DbcSignal, label: string): number {
  for (const [raw, text] of s.choices ?? []) if (text === label) return raw;
  throw new DbcError(`signal ${s.name} has no value described as ${JSON.stringify(label)}`, 'ERR_RXSOCK_DBC_UNKNOWN');
}

/**
 * Loads DBC text into a database whose messages are compiled for decoding.
 * @throws {@link DbcError} `ERR_RXSOCK_DBC_SYNTAX` with line and column for a malformed file.
 */
export function loadDbc(text: string): DbcDatabase {
  return new DbcDatabase(parseDbc(text));
}

/** Reads and loads a DBC file (UTF-8; Latin-1 bytes that are not UTF-8 are read as Latin-1). */
export async function loadDbcFile(path: string): Promise<DbcDatabase> {
  const bytes = await readFile(path);
  let text = bytes.toString('utf8');
  // Vector tools write cp1252; a replacement character means the bytes were not UTF-8.
  if (text.includes('\uFFFD')) text = bytes.toString('latin1');
  return loadDbc(text);
}
