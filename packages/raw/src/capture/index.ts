/**
 * AF_PACKET capture and injection: packet sockets, the TPACKET_V3 ring, classic BPF filters,
 * fanout, cumulative kernel statistics.
 */
export { packetAddressCodec, packetTypeName, SOCKADDR_LL_SIZE, type PacketAddress, type PacketType } from './address.js';
export { EthProtocol, PacketOption, FanoutMode, FanoutFlag, TpStatus, TPACKET_V3, SOL_PACKET, AF_PACKET, PACKET_TYPE_NAMES } from './constants.js';
export { encodeMembership, encodeFanout, decodeStatistics, encodeRingRequest, type MembershipRequest, type FanoutOptions, type FanoutModeName, type RawPacketStatistics, type RingGeometry } from './options.js';
export { withVlanTag, nanoseconds, type CapturedPacket, type VlanInfo } from './packet.js';
export { PacketSocket, type PacketSocketOptions, type PacketStatistics } from './socket.js';
export { PacketRing, type RingOptions } from './ring/packet-ring.js';
export { PacketBlock } from './ring/block.js';
export { PacketCursor } from './ring/packet-cursor.js';
export { RingPcapWriter, type RingPcapWriterOptions } from './ring/pcap-writer.js';
export * from './filter/index.js';
