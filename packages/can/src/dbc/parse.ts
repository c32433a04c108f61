import { DbcError, syntaxError } from './errors.js';
import type { DbcAttributeDefinition, DbcMessage, DbcNode, DbcSignal } from './model.js';
import { tokenize, type Token } from './tokenizer.js';

/** What a DBC file holds, as plain objects (see {@link loadDbc} for the compiled database). */
export interface ParsedDbc {
  readonly version: string;
  readonly nodes: readonly DbcNode[];
  readonly messages: readonly DbcMessage[];
  /** Named value tables (`VAL_TABLE_`). */
  readonly valueTables: ReadonlyMap<string, ReadonlyMap<number, string>>;
  readonly attributeDefinitions: readonly DbcAttributeDefinition[];
  /** Attribute values set on the database itself (`BA_ "name" value;`). */
  readonly attributes: ReadonlyMap<string, number | string>;
  readonly comment: string | undefined;
}

type SignalDraft = { -readonly [K in keyof DbcSignal]: DbcSignal[K] };
interface MessageDraft extends Omit<DbcMessage, 'signals' | 'fd' | 'comment' | 'attributes' | 'transmitters'> {
  signals: SignalDraft[];
  comment: string | undefined;
  attributes: Map<string, number | string>;
  transmitters: string[];
  /** `mN` of a plain multiplexed signal, kept until every signal is read. */
  plainMux: Map<string, number>;
  /** The `BO_` line's id field as written (flag bits included): how other statements name it. */
  key: number;
  /** The pseudo-message of unassigned signals: parsed so statements naming it resolve, then dropped. */
  pseudo: boolean;
}

/** Bit 31 of a `BO_` id marks an extended frame. */
const EXTENDED_ID_FLAG = 0x80000000;
/** The pseudo-message some tools put unassigned signals in (`VECTOR__INDEPENDENT_SIG_MSG`). */
const INDEPENDENT_SIGNALS_ID = 0xc0000000;

/**
 * Parses DBC text: messages (standard and extended ids), signals (Intel and Motorola, signed,
 * float and double, factor/offset, range, unit, receivers), plain and extended multiplexing,
 * value tables and descriptions, comments, nodes, attribute definitions, defaults and values.
 * Sections that do not change decoding (signal groups, environment variables, relations) are
 * read and skipped.
 *
 * @throws {@link DbcError} `ERR_RXSOCK_DBC_SYNTAX` with the line and column of what is malformed.
 */
export function parseDbc(text: string): ParsedDbc {
  return new Parser(tokenize(text)).parse();
}

class Parser {
  private i = 0;
  private version = '';
  private readonly nodes = new Map<string, { name: string; comment: string | undefined; attributes: Map<string, number | string> }>();
  private readonly messages: MessageDraft[] = [];
  private readonly messagesByKey = new Map<number, MessageDraft>();
  private readonly valueTables = new Map<string, Map<number, string>>();
  private readonly definitions = new Map<string, { -readonly [K in keyof DbcAttributeDefinition]: DbcAttributeDefinition[K] }>();
  private readonly attributes = new Map<string, number | string>();
  private comment: string | undefined;
  private readonly mulVal: { token: Token; messageKey: number; signal: string; multiplexer: string; ranges: [number, number][] }[] = [];
  private readonly valueTypes: { token: Token; messageKey: number; signal: string; type: number }[] = [];
  /** Attribute values seen before their definitions are complete; resolved at the end. */
  private readonly pendingAttributes: { token: Token; name: string; target: Map<string, number | string>; raw: number | string }[] = [];

  constructor(private readonly tokens: Token[]) {}

  parse(): ParsedDbc {
    while (this.i < this.tokens.length) this.statement();
    this.finish();
    const defs = [...this.definitions.values()];
    const messages = this.messages.filter((m) => !m.pseudo).map((m) => this.freezeMessage(m));
    return {
      version: this.version,
      nodes: [...this.nodes.values()],
      messages,
      valueTables: this.valueTables,
      attributeDefinitions: defs,
      attributes: this.attributes,
      comment: this.comment,
    };
  }

  // ---- statements

  private statement(): void {
    const t = this.next();
    if (t.kind !== 'id') throw syntaxError(`expected a keyword, found ${describe(t)}`, t.line, t.column);
    switch (t.text) {
      case 'VERSION':
        this.version = this.expect('str').text;
        return;
      case 'NS_':
        this.expectPunct(':');
        this.skipList();
        return;
      case 'BS_':
        this.expectPunct(':');
        this.skipList();
        return;
      case 'BU_':
        this.expectPunct(':');
        while (this.peekContinuesList()) {
          const name = this.expect('id').text;
          this.nodes.set(name, { name, comment: undefined, attributes: new Map() });
        }
        return;
      case 'VAL_TABLE_': {
        const name = this.expect('id').text;
        this.valueTables.set(name, this.valueDescriptions());
        return;
      }
      case 'BO_':
        this.message(t);
        return;
      case 'BO_TX_BU_': {
        const message = this.messageByToken(this.expect('num'));
        this.expectPunct(':');
        const names: string[] = [];
        while (!this.acceptPunct(';')) {
          if (this.acceptPunct(',')) continue;
          names.push(this.expect('id').text);
        }
        message?.transmitters.push(...names);
        return;
      }
      case 'CM_':
        this.commentStatement();
        return;
      case 'BA_DEF_':
      case 'BA_DEF_REL_':
        this.attributeDefinition(t.text === 'BA_DEF_REL_');
        return;
      case 'BA_DEF_DEF_':
      case 'BA_DEF_DEF_REL_': {
        const name = this.expect('str').text;
        const value = this.attributeValue();
        this.expectPunct(';');
        if (t.text === 'BA_DEF_DEF_') {
          const def = this.definitions.get(name);
          if (def) def.default = value;
        }
        return;
      }
      case 'BA_':
        this.attributeAssignment();
        return;
      case 'VAL_':
        this.valueDescriptionStatement();
        return;
      case 'SIG_VALTYPE_': {
        const idToken = this.expect('num');
        const signal = this.expect('id').text;
        this.acceptPunct(':');
        const type = this.integer(this.expect('num'));
        this.expectPunct(';');
        this.valueTypes.push({ token: idToken, messageKey: this.messageKey(idToken), signal, type });
        return;
      }
      case 'SG_MUL_VAL_':
        this.extendedMultiplexing();
        return;
      case 'SG_':
        throw syntaxError('SG_ outside a BO_ message', t.line, t.column);
      default:
        // EV_, ENVVAR_DATA_, SGTYPE_, SIG_GROUP_, BA_REL_, BU_SG_REL_, CAT_DEF_, FILTER,
        // SIG_TYPE_REF_, SIGTYPE_VALTYPE_... end at their semicolon and change no decoding.
        if (/^[A-Z][A-Z_]*_$|^FILTER$|^CAT_$/.test(t.text)) {
          this.skipStatement(t);
          return;
        }
        throw syntaxError(`unknown keyword ${JSON.stringify(t.text)}`, t.line, t.column);
    }
  }

  private message(bo: Token): void {
    const idToken = this.expect('num');
    const rawId = this.unsigned(idToken);
    const name = this.expect('id').text;
    this.expectPunct(':');
    const size = this.integer(this.expect('num'));
    if (size < 0 || size > 64) throw syntaxError(`message ${name}: size ${size} is not 0..64 bytes`, bo.line, bo.column);
    const sender = this.expect('id').text;
    const pseudo = rawId === INDEPENDENT_SIGNALS_ID;
    const extended = rawId >= EXTENDED_ID_FLAG && !pseudo;
    const draft: MessageDraft = {
      id: extended ? rawId - EXTENDED_ID_FLAG : rawId,
      extended,
      key: rawId,
      pseudo,
      name,
      size,
      sender,
      signals: [],
      comment: undefined,
      attributes: new Map(),
      transmitters: [],
      plainMux: new Map(),
    };
    if (!extended && !pseudo && rawId > 0x7ff) {
      throw syntaxError(`message ${name}: standard id 0x${rawId.toString(16)} is above 0x7FF (extended ids carry bit 31)`, idToken.line, idToken.column);
    }
    if (this.messagesByKey.has(rawId)) throw syntaxError(`message id ${rawId} is defined twice`, idToken.line, idToken.column);
    this.messagesByKey.set(rawId, draft);
    this.messages.push(draft);
    while (this.peek()?.kind === 'id' && this.peek()!.text === 'SG_') {
      this.next();
      draft.signals.push(this.signal(draft));
    }
  }

  private signal(message: MessageDraft): SignalDraft {
    const nameToken = this.expect('id');
    const name = nameToken.text;
    let isMultiplexer = false;
    let plainMuxValue: number | undefined;
    // Multiplexer indicator: `M`, `mN`, or `mNM` (extended: multiplexed and itself a switch).
    const indicator = this.peek();
    if (indicator?.kind === 'id' && /^(M|m\d+M?)$/.test(indicator.text)) {
      this.next();
      if (indicator.text === 'M') isMultiplexer = true;
      else {
        const m = /^m(\d+)(M?)$/.exec(indicator.text)!;
        plainMuxValue = Number(m[1]);
        isMultiplexer = m[2] === 'M';
      }
    }
    this.expectPunct(':');
    const startToken = this.expect('num');
    const startBit = this.integer(startToken);
    this.expectPunct('|');
    const lengthToken = this.expect('num');
    const length = this.integer(lengthToken);
    this.expectPunct('@');
    const orderToken = this.next();
    // `@1+` tokenizes as 1 then +, `@0-` as 0 then -; `@1-` may arrive as the number `1` and `-`.
    const order = orderToken.text;
    if (order !== '0' && order !== '1') throw syntaxError(`signal ${name}: byte order must be 0 or 1, found ${describe(orderToken)}`, orderToken.line, orderToken.column);
    const signToken = this.next();
    if (signToken.text !== '+' && signToken.text !== '-') throw syntaxError(`signal ${name}: sign must be + or -, found ${describe(signToken)}`, signToken.line, signToken.column);
    this.expectPunct('(');
    const factor = this.float(this.expect('num'));
    this.expectPunct(',');
    const offset = this.float(this.expect('num'));
    this.expectPunct(')');
    this.expectPunct('[');
    const minimum = this.float(this.expect('num'));
    this.expectPunct('|');
    const maximum = this.float(this.expect('num'));
    this.expectPunct(']');
    const unit = this.expect('str').text;
    const receivers: string[] = [];
    while (this.peekContinuesList()) {
      if (this.acceptPunct(',')) continue;
      receivers.push(this.expect('id').text);
    }
    if (length < 1 || length > 64) throw syntaxError(`signal ${name}: length ${length} is not 1..64`, lengthToken.line, lengthToken.column);
    if (startBit < 0 || startBit > 511) throw syntaxError(`signal ${name}: start bit ${startBit} is not 0..511`, startToken.line, startToken.column);
    if (message.signals.some((s) => s.name === name)) throw syntaxError(`signal ${name} is defined twice in ${message.name}`, nameToken.line, nameToken.column);
    if (plainMuxValue !== undefined) message.plainMux.set(name, plainMuxValue);
    return {
      name,
      startBit,
      length,
      byteOrder: order === '1' ? 'little_endian' : 'big_endian',
      signed: signToken.text === '-',
      valueType: 'integer',
      factor,
      offset,
      minimum,
      maximum,
      unit,
      receivers,
      isMultiplexer,
      multiplexedBy: undefined,
      choices: undefined,
      comment: undefined,
      attributes: new Map(),
    };
  }

  private commentStatement(): void {
    const t = this.next();
    if (t.kind === 'str') {
      this.comment = t.text;
    } else if (t.kind === 'id' && t.text === 'BU_') {
      const node = this.nodes.get(this.expect('id').text);
      const text = this.expect('str').text;
      if (node) node.comment = text;
    } else if (t.kind === 'id' && t.text === 'BO_') {
      const message = this.messageByToken(this.expect('num'));
      const text = this.expect('str').text;
      if (message) message.comment = text;
    } else if (t.kind === 'id' && t.text === 'SG_') {
      const signal = this.signalByTokens(this.expect('num'), this.expect('id'));
      const text = this.expect('str').text;
      if (signal) signal.comment = text;
    } else if (t.kind === 'id' && t.text === 'EV_') {
      this.expect('id');
      this.expect('str');
    } else {
      throw syntaxError(`CM_: expected a string or BU_/BO_/SG_/EV_, found ${describe(t)}`, t.line, t.column);
    }
    this.expectPunct(';');
  }

  private attributeDefinition(relation: boolean): void {
    let object: DbcAttributeDefinition['object'] = '';
    const t = this.peek();
    if (t?.kind === 'id' && ['BU_', 'BO_', 'SG_', 'EV_', 'BU_EV_REL_', 'BU_BO_REL_', 'BU_SG_REL_'].includes(t.text)) {
      this.next();
      if (!relation) object = t.text as DbcAttributeDefinition['object'];
    }
    const name = this.expect('str').text;
    const typeToken = this.expect('id');
    const type = typeToken.text;
    let minimum: number | undefined;
    let maximum: number | undefined;
    const enumValues: string[] = [];
    if (type === 'INT' || type === 'HEX' || type === 'FLOAT') {
      if (this.peek()?.kind === 'num') {
        minimum = this.float(this.expect('num'));
        maximum = this.float(this.expect('num'));
      }
    } else if (type === 'ENUM') {
      while (!this.acceptPunct(';')) {
        if (this.acceptPunct(',')) continue;
        enumValues.push(this.expect('str').text);
      }
      if (!relation) this.definitions.set(name, { name, object, type, enumValues, minimum, maximum, default: undefined });
      return;
    } else if (type !== 'STRING') {
      throw syntaxError(`BA_DEF_ ${name}: unknown type ${type}`, typeToken.line, typeToken.column);
    }
    this.expectPunct(';');
    if (!relation) this.definitions.set(name, { name, object, type: type as DbcAttributeDefinition['type'], enumValues, minimum, maximum, default: undefined });
  }

  private attributeAssignment(): void {
    const nameToken = this.expect('str');
    const name = nameToken.text;
    let target: Map<string, number | string> | undefined = this.attributes;
    const t = this.peek();
    if (t?.kind === 'id' && t.text === 'BU_') {
      this.next();
      target = this.nodes.get(this.expect('id').text)?.attributes;
    } else if (t?.kind === 'id' && t.text === 'BO_') {
      this.next();
      target = this.messageByToken(this.expect('num'))?.attributes;
    } else if (t?.kind === 'id' && t.text === 'SG_') {
      this.next();
      target = this.signalByTokens(this.expect('num'), this.expect('id'))?.attributes as Map<string, number | string> | undefined;
    } else if (t?.kind === 'id' && t.text === 'EV_') {
      this.next();
      this.expect('id');
      target = undefined;
    }
    const raw = this.attributeValue();
    this.expectPunct(';');
    if (target) this.pendingAttributes.push({ token: nameToken, name, target, raw });
  }

  private valueDescriptionStatement(): void {
    const first = this.next();
    if (first.kind === 'num') {
      const signalToken = this.expect('id');
      const descriptions = this.valueDescriptions();
      const signal = this.signalByTokens(first, signalToken);
      if (signal) signal.choices = descriptions;
      return;
    }
    if (first.kind === 'id') {
      // Value descriptions of an environment variable.
      this.valueDescriptions();
      return;
    }
    throw syntaxError(`VAL_: expected a message id, found ${describe(first)}`, first.line, first.column);
  }

  private valueDescriptions(): Map<number, string> {
    const map = new Map<number, string>();
    while (!this.acceptPunct(';')) {
      const value = this.float(this.expect('num'));
      map.set(value, this.expect('str').text);
    }
    return map;
  }

  private extendedMultiplexing(): void {
    const idToken = this.expect('num');
    const signal = this.expect('id').text;
    const multiplexer = this.expect('id').text;
    const ranges: [number, number][] = [];
    while (!this.acceptPunct(';')) {
      if (this.acceptPunct(',')) continue;
      const t = this.next();
      if (t.kind === 'range') {
        const [lo, hi] = t.text.split('-').map(Number) as [number, number];
        ranges.push([lo, hi]);
      } else if (t.kind === 'num') {
        // `3 -5` written with a space, or a lone value.
        const lo = this.integer(t);
        const n = this.peek();
        if (n?.kind === 'num' && n.text.startsWith('-')) {
          this.next();
          ranges.push([lo, -this.integer(n)]);
        } else ranges.push([lo, lo]);
      } else throw syntaxError(`SG_MUL_VAL_: expected a range such as 3-7, found ${describe(t)}`, t.line, t.column);
    }
    if (ranges.length === 0) throw syntaxError(`SG_MUL_VAL_ ${signal}: no value range`, idToken.line, idToken.column);
    this.mulVal.push({ token: idToken, messageKey: this.messageKey(idToken), signal, multiplexer, ranges });
  }

  // ---- resolution after the whole file is read (statements may come in any order)

  private finish(): void {
    for (const vt of this.valueTypes) {
      const signal = this.messagesByKey.get(vt.messageKey)?.signals.find((s) => s.name === vt.signal);
      if (!signal) continue;
      if (vt.type === 1 || vt.type === 2) {
        const need = vt.type === 1 ? 32 : 64;
        if (signal.length !== need) throw syntaxError(`signal ${signal.name}: SIG_VALTYPE_ ${vt.type} needs a ${need}-bit signal, not ${signal.length}`, vt.token.line, vt.token.column);
        signal.valueType = vt.type === 1 ? 'float' : 'double';
      } else if (vt.type !== 0) throw syntaxError(`SIG_VALTYPE_ ${vt.type} is not 0, 1 or 2`, vt.token.line, vt.token.column);
    }
    for (const p of this.pendingAttributes) {
      const def = this.definitions.get(p.name);
      p.target.set(p.name, def?.type === 'ENUM' && typeof p.raw === 'number' ? (def.enumValues[p.raw] ?? p.raw) : p.raw);
    }
    const extended = new Set<string>();
    for (const mv of this.mulVal) {
      const message = this.messagesByKey.get(mv.messageKey);
      const signal = message?.signals.find((s) => s.name === mv.signal);
      if (!message || !signal) continue;
      if (!message.signals.some((s) => s.name === mv.multiplexer && s.isMultiplexer)) {
        throw syntaxError(`SG_MUL_VAL_: ${mv.multiplexer} is not a multiplexer of ${message.name}`, mv.token.line, mv.token.column);
      }
      const key = `${mv.messageKey}/${mv.signal}`;
      const previous = extended.has(key) ? signal.multiplexedBy?.values ?? [] : [];
      extended.add(key);
      signal.multiplexedBy = { multiplexer: mv.multiplexer, values: [...previous, ...mv.ranges] };
    }
    for (const message of this.messages) {
      const switches = message.signals.filter((s) => s.isMultiplexer && !message.plainMux.has(s.name));
      for (const [name, value] of message.plainMux) {
        const signal = message.signals.find((s) => s.name === name)!;
        if (extended.has(`${message.key}/${name}`)) continue;
        if (switches.length !== 1) {
          throw new DbcError(`message ${message.name}: signal ${name} is multiplexed but the message has ${switches.length} plain multiplexer switches and no SG_MUL_VAL_ for it`, 'ERR_RXSOCK_DBC_SYNTAX');
        }
        signal.multiplexedBy = { multiplexer: switches[0]!.name, values: [[value, value]] };
      }
    }
  }

  private freezeMessage(m: MessageDraft): DbcMessage {
    const format = m.attributes.get('VFrameFormat') ?? this.definitions.get('VFrameFormat')?.default;
    const fd = m.size > 8 || (typeof format === 'string' && format.endsWith('_FD'));
    return {
      id: m.id,
      extended: m.extended,
      name: m.name,
      size: m.size,
      fd,
      sender: m.sender,
      signals: m.signals,
      comment: m.comment,
      attributes: m.attributes,
      transmitters: m.transmitters,
    };
  }

  // ---- token helpers

  private messageKey(t: Token): number {
    return this.unsigned(t);
  }

  private messageByToken(t: Token): MessageDraft | undefined {
    return this.messagesByKey.get(this.unsigned(t));
  }

  private signalByTokens(idToken: Token, nameToken: Token): SignalDraft | undefined {
    return this.messageByToken(idToken)?.signals.find((s) => s.name === nameToken.text);
  }

  private attributeValue(): number | string {
    const t = this.next();
    if (t.kind === 'str') return t.text;
    if (t.kind === 'num') return this.float(t);
    throw syntaxError(`expected an attribute value, found ${describe(t)}`, t.line, t.column);
  }

  /** Skips a free-form list (NS_, BS_) that ends where a token starts a new line at column 1. */
  private skipList(): void {
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i]!;
      if (t.lineStart && t.column === 1) return;
      this.i++;
    }
  }

  /** True while the next token is on the current statement's line (BU_ lists, SG_ receivers). */
  private peekContinuesList(): boolean {
    const t = this.peek();
    return t !== undefined && !t.lineStart && (t.kind === 'id' || (t.kind === 'punct' && t.text === ','));
  }

  private skipStatement(start: Token): void {
    while (this.i < this.tokens.length) {
      if (this.tokens[this.i]!.kind === 'punct' && this.tokens[this.i]!.text === ';') {
        this.i++;
        return;
      }
      this.i++;
    }
    throw syntaxError(`${start.text}: missing ';'`, start.line, start.column);
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i];
    if (!t) {
      const last = this.tokens[this.tokens.length - 1];
      throw syntaxError(`unexpected end of file after ${last ? describe(last) : 'nothing'}`, last?.line ?? 1, last?.column ?? 1);
    }
    this.i++;
    return t;
  }

  private expect(kind: Token['kind']): Token {
    const t = this.next();
    if (t.kind !== kind) throw syntaxError(`expected ${kindName(kind)}, found ${describe(t)}`, t.line, t.column);
    return t;
  }

  private expectPunct(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p) throw syntaxError(`expected '${p}', found ${describe(t)}`, t.line, t.column);
  }

  private acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t?.kind === 'punct' && t.text === p) {
      this.i++;
      return true;
    }
    if (!t) {
      const last = this.tokens[this.i - 1];
      throw syntaxError(`expected '${p}' before the end of the file`, last?.line ?? 1, last?.column ?? 1);
    }
    return false;
  }

  private integer(t: Token): number {
    const v = Number(t.text);
    if (!Number.isSafeInteger(v)) throw syntaxError(`expected an integer, found ${describe(t)}`, t.line, t.column);
    return v;
  }

  private unsigned(t: Token): number {
    const v = this.integer(t);
    if (v < 0 || v > 0xffffffff) throw syntaxError(`expected an id 0..4294967295, found ${describe(t)}`, t.line, t.column);
    return v;
  }

  private float(t: Token): number {
    const v = Number(t.text);
    if (Number.isNaN(v)) throw syntaxError(`expected a number, found ${describe(t)}`, t.line, t.column);
    return v;
  }
}

function describe(t: Token): string {
  return t.kind === 'str' ? `string "${t.text}"` : `'${t.text}'`;
}

function kindName(kind: Token['kind']): string {
  return { id: 'a name', num: 'a number', str: 'a string', range: 'a range', punct: 'punctuation' }[kind];
}
