/**
 * The recvmmsg path's per-packet work: the sender address (a `sockaddr_ll`), PACKET_AUXDATA
 * (the VLAN tag the kernel stripped, the original length) and SO_TIMESTAMPNS, from each
 * datagram's ancillary data.
 */
import { C, CMSG_SPACE, type Datagram } from '@rxsock/core';
import type { PacketAddress } from './address.js';
import { PacketOption, SOL_PACKET, SO_TIMESTAMPNS, TpStatus } from './constants.js';
import { ARPHRD_ETHER, withVlanTag, type CapturedPacket, type VlanInfo } from './packet.js';

/** Ancillary bytes per packet: `tpacket_auxdata` (20) and a `timespec` (16). */
export const RECEIVE_CONTROL_SIZE = CMSG_SPACE(20) + CMSG_SPACE(16);

/** Turns a datagram read from a packet socket into a {@link CapturedPacket}. */
export function packetFromDatagram(d: Datagram, raw: boolean): CapturedPacket {
  const address = d.address as PacketAddress | null;
  let timestamp = 0n;
  let vlan: VlanInfo | null = null;
  let length = d.data.length;
  for (const m of d.ancillary) {
    const v = new DataView(m.data.buffer, m.data.byteOffset, m.data.byteLength);
    if (m.level === SOL_PACKET && m.type === PacketOption.AUXDATA && m.data.length >= 20) {
      const status = v.getUint32(0, true);
      length = v.getUint32(4, true);
      if (status & TpStatus.VLAN_VALID) {
        vlan = { tci: v.getUint16(16, true), tpid: status & TpStatus.VLAN_TPID_VALID ? v.getUint16(18, true) : 0x8100 };
      }
    } else if (m.level === C.SOL_SOCKET && m.type === SO_TIMESTAMPNS && m.data.length >= 16) {
      timestamp = v.getBigInt64(0, true) * 1_000_000_000n + v.getBigInt64(8, true);
    }
  }
  // The tag goes back after the MACs only where there are MACs: whole Ethernet frames.
  const restore = vlan !== null && raw && (address?.hardwareType ?? ARPHRD_ETHER) === ARPHRD_ETHER;
  return {
    data: restore ? withVlanTag(d.data, 0, d.data.length, vlan!) : d.data,
    length: restore ? length + 4 : length,
    timestamp,
    interfaceIndex: address?.interfaceIndex ?? 0,
    protocol: address?.protocol ?? 0,
    packetType: address?.packetType ?? 'host',
    vlan,
  };
}
