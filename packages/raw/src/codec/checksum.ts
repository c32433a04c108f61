/**
 * The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums that UDP, TCP and ICMPv6
 * checksums cover.
 */

/**
 * Adds the bytes `[start, end)` as big-endian 16-bit words to `sum` (an odd last byte is padded
 * with zero). The result is unfolded; pass it to {@link foldChecksum}.
 */
export function sumWords(bytes: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  // Sums of 16-bit words stay exact in a double far beyond any packet length; fold once at the end.
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) sum += (bytes[i] as number) << 8;
  return sum;
}

/** Folds a word sum to 16 bits and complements it: the value a checksum field carries. */
export function foldChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** The Internet checksum of `bytes[start, end)`. A region that includes a correct checksum field gives 0. */
export function internetChecksum(bytes: Uint8Array, start = 0, end = bytes.length, initial = 0): number {
  return foldChecksum(sumWords(bytes, start, end, initial));
}

/**
 * @internal The unfolded sum of a pseudo-header: source and destination addresses (4 or 16 bytes
 * each at `src`/`dst`), the upper-layer protocol and its length.
 */
export function pseudoHeaderSum(bytes: Uint8Array, src: number, dst: number, addressSize: number, protocol: number, length: number): number {
  let sum = sumWords(bytes, src, src + addressSize);
  sum = sumWords(bytes, dst, dst + addressSize, sum);
  // IPv6's upper-layer length is 32 bits; IPv4's is 16. Both add as words.
  return sum + protocol + (length >>> 16) + (length & 0xffff);
}
