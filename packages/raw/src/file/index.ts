/**
 * pcap and pcapng files of captured packets, on core's capture-file container: link types for
 * packet captures, Linux cooked headers, captured packets written with their kernel timestamps,
 * original lengths and directions, and files read back packet by packet.
 * @module
 */
export { LinkType, linkTypeForHardware, linkTypeName } from './link-type.js';
export {
  encodeSllHeader,
  encodeSll2Header,
  decodeSllHeader,
  decodeSll2Header,
  SLL_HEADER_LENGTH,
  SLL2_HEADER_LENGTH,
  type CookedHeader,
} from './cooked.js';
export { networkLayer, type NetworkLayer } from './network-layer.js';
export {
  capturedPacketRecord,
  packetFlags,
  PacketCaptureWriter,
  createPacketCaptureFile,
  captureFormatOf,
  readPackets,
  type WritablePacket,
  type PacketRecordOptions,
  type PacketCaptureOptions,
  type FilePacket,
} from './packet-file.js';
