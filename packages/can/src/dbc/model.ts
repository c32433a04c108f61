/** The plain objects a DBC file loads into. Decoding compiles them into plans (see `plan.ts`). */

/** Intel (`@1`, little-endian) or Motorola (`@0`, big-endian) bit numbering. */
export type ByteOrder = 'little_endian' | 'big_endian';

/** How a signal's raw bits are read: an integer, or an IEEE float (`SIG_VALTYPE_` 1) or double (2). */
export type SignalValueType = 'integer' | 'float' | 'double';

/** One signal (`SG_`) of a message. */
export interface DbcSignal {
  readonly name: string;
  /** The DBC start bit: the least significant bit for Intel, the most significant for Motorola. */
  readonly startBit: number;
  /** 1..64 bits. */
  readonly length: number;
  readonly byteOrder: ByteOrder;
  readonly signed: boolean;
  readonly valueType: SignalValueType;
  readonly factor: number;
  readonly offset: number;
  readonly minimum: number;
  readonly maximum: number;
  readonly unit: string;
  readonly receivers: readonly string[];
  /** True for the multiplexer switch (`M`, or `mNM` in extended multiplexing). */
  readonly isMultiplexer: boolean;
  /**
   * When the signal is multiplexed: which switch selects it and for which switch values. A plain
   * `mN` signal is selected by the message's one `M` switch for the value N; `SG_MUL_VAL_` lines
   * (extended multiplexing) name the switch and list value ranges.
   */
  readonly multiplexedBy: { readonly multiplexer: string; readonly values: readonly (readonly [number, number])[] } | undefined;
  /** Value descriptions (`VAL_`): raw value to label. */
  readonly choices: ReadonlyMap<number, string> | undefined;
  readonly comment: string | undefined;
  /** Attribute values set on this signal (`BA_ ... SG_`), after enum indexes are turned into their names. */
  readonly attributes: ReadonlyMap<string, number | string>;
}

/** One message (`BO_`). */
export interface DbcMessage {
  /** The arbitration id without flag bits. */
  readonly id: number;
  readonly extended: boolean;
  readonly name: string;
  /** Payload size in bytes (the `BO_` line's DLC field: 0..8, or up to 64 for CAN FD). */
  readonly size: number;
  /** True when the `VFrameFormat` attribute says CAN FD (`StandardCAN_FD`/`ExtendedCAN_FD`), or the size exceeds 8. */
  readonly fd: boolean;
  readonly sender: string;
  readonly signals: readonly DbcSignal[];
  readonly comment: string | undefined;
  readonly attributes: ReadonlyMap<string, number | string>;
  /** Nodes that also send it (`BO_TX_BU_`). */
  readonly transmitters: readonly string[];
}

/** One node (`BU_`). */
export interface DbcNode {
  readonly name: string;
  readonly comment: string | undefined;
  readonly attributes: ReadonlyMap<string, number | string>;
}

/** An attribute definition (`BA_DEF_`), with its default (`BA_DEF_DEF_`). */
export interface DbcAttributeDefinition {
  readonly name: string;
  /** '' for the database, or 'BU_', 'BO_', 'SG_', 'EV_'. */
  readonly object: '' | 'BU_' | 'BO_' | 'SG_' | 'EV_';
  readonly type: 'INT' | 'HEX' | 'FLOAT' | 'STRING' | 'ENUM';
  /** The names of an ENUM attribute, in index order. */
  readonly enumValues: readonly string[];
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly default: number | string | undefined;
}
