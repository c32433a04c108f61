/** What a transport header needs from the IP header under it to verify its checksum. */

/**
 * The IP layer seen from a transport view: the pseudo-header sum and whether the IP payload is
 * whole. Implemented by {@link Ipv4View} and {@link Ipv6View}.
 */
export interface IpContext {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /**
   * Whether the transport bytes are all there: the IP packet is not truncated and not a
   * fragment. A checksum can only be verified over a whole payload.
   */
  readonly payloadComplete: boolean;
  /**
   * The unfolded pseudo-header sum for an upper-layer `protocol` of `length` bytes (IPv6 uses
   * the final destination of a routing header, as RFC 8200 section 8.1 says).
   */
  pseudoHeaderSum(protocol: number, length: number): number;
}
