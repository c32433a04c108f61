import { decodeError } from '@rxsock/core';
import { decodeSll2Header, decodeSllHeader, SLL2_HEADER_LENGTH, SLL_HEADER_LENGTH } from './cooked.js';
import { LinkType } from './link-type.js';

/** Where a captured frame's network-layer packet starts, and what it is. */
export interface NetworkLayer {
  /** Offset of the network header in the frame. */
  offset: number;
  /** EtherType of what starts there (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP...), 0 when unknown. */
  protocol: number;
}

/**
 * Skips a frame's link-layer header by its capture link type: Ethernet (with any 802.1Q/802.1ad
 * tags), Linux cooked v1/v2, raw IP, and the BSD loopback headers.
 *
 * @throws SocketError `ERR_RXSOCK_DECODE` for a frame shorter than its link header, or a
 * link type this does not know.
 */
export function networkLayer(linkType: number, data: Uint8Array): NetworkLayer {
  switch (linkType) {
    case LinkType.ETHERNET: {
      let off = 12;
      for (;;) {
        if (data.length < off + 2) throw decodeError(`Ethernet frame of ${data.length} bytes ends in its header`);
        const type = (data[off]! << 8) | data[off + 1]!;
        if (type !== 0x8100 && type !== 0x88a8 && type !== 0x9100) return { offset: off + 2, protocol: type };
        off += 4;
      }
    }
    case LinkType.LINUX_SLL:
      return { offset: SLL_HEADER_LENGTH, protocol: decodeSllHeader(data).protocol };
    case LinkType.LINUX_SLL2:
      return { offset: SLL2_HEADER_LENGTH, protocol: decodeSll2Header(data).protocol };
    case LinkType.RAW: {
      const version = data.length > 0 ? data[0]! >> 4 : 0;
      return { offset: 0, protocol: version === 4 ? 0x0800 : version === 6 ? 0x86dd : 0 };
    }
    case LinkType.IPV4:
      return { offset: 0, protocol: 0x0800 };
    case LinkType.IPV6:
      return { offset: 0, protocol: 0x86dd };
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (data.length < 4) throw decodeError(`loopback frame of ${data.length} bytes ends in its header`);
      const version = data.length > 4 ? data[4]! >> 4 : 0;
      return { offset: 4, protocol: version === 4 ? 0x0800 : version === 6 ? 0x86dd : 0 };
    }
    default:
      throw decodeError(`link type ${linkType} has no known network layer`);
  }
}
