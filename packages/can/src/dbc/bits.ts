import type { ByteOrder } from './model.js';

/**
 * @internal A run of a signal's bits that lies inside one payload byte: `width` bits starting at
 * bit `shift` of byte `byte` hold the signal's value bits `valueShift .. valueShift + width - 1`.
 * A run never crosses value bit 32, so every run belongs to the low or the high 32-bit word.
 */
export interface BitRun {
  readonly byte: number;
  readonly shift: number;
  readonly width: number;
  readonly valueShift: number;
}

/**
 * @internal Where a signal's bits lie, as byte-sized runs. Intel (`little_endian`) counts from
 * the start bit upwards; Motorola (`big_endian`) starts at the most significant bit and walks
 * down each byte, then on to bit 7 of the next byte (DBC's "sawtooth" numbering).
 */
export function bitRuns(startBit: number, length: number, byteOrder: ByteOrder): BitRun[] {
  const runs: BitRun[] = [];
  if (byteOrder === 'little_endian') {
    for (let i = 0; i < length; ) {
      const pos = startBit + i;
      const inByte = pos & 7;
      const width = Math.min(8 - inByte, length - i, 32 - (i % 32));
      runs.push({ byte: pos >> 3, shift: inByte, width, valueShift: i });
      i += width;
    }
    return runs;
  }
  let pos = startBit;
  for (let taken = 0; taken < length; ) {
    const inByte = pos & 7;
    const high = length - 1 - taken; // the value bit at `pos`
    let width = Math.min(inByte + 1, length - taken);
    if (high >= 32 && high - width + 1 < 32) width = high - 31;
    const low = high - width + 1;
    const shift = inByte - width + 1;
    runs.push({ byte: pos >> 3, shift, width, valueShift: low });
    taken += width;
    pos = shift === 0 ? ((pos >> 3) + 1) * 8 + 7 : pos - width;
  }
  return runs;
}

/** @internal How many payload bytes a signal needs: one past the highest byte it touches. */
export function bytesNeeded(runs: readonly BitRun[]): number {
  let max = -1;
  for (const r of runs) if (r.byte > max) max = r.byte;
  return max + 1;
}
