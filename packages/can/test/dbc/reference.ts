// A bit-at-a-time reference for DBC signal layouts, written from the DBC rules alone and sharing
// no code with the generated decoders it checks: Intel counts up from the start bit; Motorola
// starts at the most significant bit and walks down each byte, then to bit 7 of the next.
import type { DbcSignal } from '@rxsock/can';

export function bitPositions(startBit: number, length: number, byteOrder: DbcSignal['byteOrder']): number[] {
  // Positions of value bits, most significant first.
  const positions: number[] = [];
  if (byteOrder === 'little_endian') {
    for (let i = length - 1; i >= 0; i--) positions.push(startBit + i);
    return positions;
  }
  let pos = startBit;
  for (let i = 0; i < length; i++) {
    positions.push(pos);
    pos = pos % 8 === 0 ? pos + 15 : pos - 1;
  }
  return positions;
}

export function referenceRaw(data: Uint8Array, s: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder' | 'signed'>): bigint {
  let raw = 0n;
  for (const p of bitPositions(s.startBit, s.length, s.byteOrder)) raw = (raw << 1n) | BigInt((data[p >> 3]! >> (p & 7)) & 1);
  if (s.signed && raw >= 1n << BigInt(s.length - 1)) raw -= 1n << BigInt(s.length);
  return raw;
}

export function referenceWrite(data: Uint8Array, s: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>, raw: bigint): void {
  const bits = BigInt.asUintN(s.length, raw);
  const positions = bitPositions(s.startBit, s.length, s.byteOrder);
  positions.forEach((p, i) => {
    const bit = Number((bits >> BigInt(s.length - 1 - i)) & 1n);
    data[p >> 3] = (data[p >> 3]! & ~(1 << (p & 7))) | (bit << (p & 7));
  });
}
