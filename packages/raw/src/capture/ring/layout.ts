/**
 * TPACKET_V3 ring layout (`linux/if_packet.h`), as offsets for typed-array reads in host order.
 *
 * The ring is `blockCount` blocks of `blockSize` bytes. Each block starts with a 48-byte
 * descriptor (`tpacket_block_desc`): version u32 @0, offset_to_priv u32 @4, block_status u32 @8,
 * num_pkts u32 @12, offset_to_first_pkt u32 @16, blk_len u32 @20, seq_num u64 @24, timestamps.
 * Packets follow, each a 48-byte `tpacket3_hdr` (next_offset @0, sec @4, nsec @8, snaplen @12,
 * len @16, status @20, mac u16 @24, net u16 @26, rxhash @28, vlan_tci @32, vlan_tpid u16 @36),
 * then a `sockaddr_ll` at TPACKET_ALIGN(48) = 48, then the frame at `mac`.
 */
export const BLOCK_STATUS = 8;
export const BLOCK_NUM_PKTS = 12;
export const BLOCK_FIRST_PKT = 16;

export const HDR_NEXT = 0;
export const HDR_SEC = 4;
export const HDR_NSEC = 8;
export const HDR_SNAPLEN = 12;
export const HDR_LEN = 16;
export const HDR_STATUS = 20;
export const HDR_MAC = 24;
export const HDR_VLAN_TCI = 32;
export const HDR_VLAN_TPID = 36;
/** Where the `sockaddr_ll` of a packet starts, from its header. */
export const HDR_SLL = 48;
/** Offsets inside that `sockaddr_ll`. */
export const SLL_PROTOCOL = 2;
export const SLL_IFINDEX = 4;
export const SLL_PKTTYPE = 10;
