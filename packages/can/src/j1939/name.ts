/**
 * The 64-bit J1939 NAME and its fields (linux/can/j1939.h; SAE J1939-81). On the bus, an
 * Address Claimed message carries the NAME as 8 bytes, least significant first.
 */
import { decodeError, invalidArgument } from '@rxsock/core';

/** The fields of a J1939 NAME. */
export interface J1939NameFields {
  /** Bits 0-20. */
  readonly identityNumber: number;
  /** Bits 21-31. */
  readonly manufacturerCode: number;
  /** Bits 32-34. */
  readonly ecuInstance: number;
  /** Bits 35-39. */
  readonly functionInstance: number;
  /** Bits 40-47. */
  readonly function: number;
  /** Bits 49-55 (bit 48 is reserved, 0). */
  readonly vehicleSystem: number;
  /** Bits 56-59. */
  readonly vehicleSystemInstance: number;
  /** Bits 60-62. */
  readonly industryGroup: number;
  /** Bit 63: the node can pick another address when it loses a claim. */
  readonly arbitraryAddressCapable: boolean;
}

const FIELDS: readonly [keyof J1939NameFields, number, number][] = [
  ['identityNumber', 0, 21],
  ['manufacturerCode', 21, 11],
  ['ecuInstance', 32, 3],
  ['functionInstance', 35, 5],
  ['function', 40, 8],
  ['vehicleSystem', 49, 7],
  ['vehicleSystemInstance', 56, 4],
  ['industryGroup', 60, 3],
];

/**
 * The NAME of `fields`.
 * @throws `SocketError` `EINVAL` for a field that does not fit its bits.
 */
export function encodeJ1939Name(fields: J1939NameFields): bigint {
  let name = fields.arbitraryAddressCapable ? 1n << 63n : 0n;
  for (const [key, shift, bits] of FIELDS) {
    const v = fields[key] as number;
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** bits) throw invalidArgument(`J1939 NAME: ${key} ${String(v)} does not fit ${bits} bits`);
    name |= BigInt(v) << BigInt(shift);
  }
  return name;
}

/**
 * The fields of a NAME (the reserved bit 48 is dropped).
 * @throws `SocketError` `ERR_RXSOCK_DECODE` for a value that is not a 64-bit unsigned bigint.
 */
export function decodeJ1939Name(name: bigint): J1939NameFields {
  if (typeof name !== 'bigint' || name < 0n || name > 0xffffffffffffffffn) throw decodeError(`J1939 NAME ${String(name)} is not a 64-bit value`);
  const out: Record<string, number | boolean> = { arbitraryAddressCapable: (name >> 63n) === 1n };
  for (const [key, shift, bits] of FIELDS) out[key] = Number((name >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n));
  return out as unknown as J1939NameFields;
}

/** The 8 bytes of an Address Claimed message for `name` (least significant byte first). */
export function j1939NameBytes(name: bigint): Uint8Array {
  if (typeof name !== 'bigint' || name < 0n || name > 0xffffffffffffffffn) throw invalidArgument(`J1939 NAME ${String(name)} is not a 64-bit value`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, name, true);
  return out;
}

/**
 * The NAME in an Address Claimed message's data.
 * @throws `SocketError` `ERR_RXSOCK_DECODE` when the data is not 8 bytes.
 */
export function j1939NameFromBytes(data: Uint8Array): bigint {
  if (!(data instanceof Uint8Array) || data.length !== 8) throw decodeError(`an Address Claimed message carries 8 bytes of NAME, got ${data instanceof Uint8Array ? data.length : typeof data}`);
  return new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true);
}
