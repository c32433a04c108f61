/**
 * Ring blocks straight into a pcap file: the capture fast path behind `rxsock-raw sniff -w` and
 * the `capture` benchmark. Frames are not copied by JavaScript: each record is a 16-byte header
 * written into a side buffer plus an iovec pointing at the frame inside the ring, and `writev`
 * hands up to 1024 pieces per call to the kernel, which copies them into the file. Per packet
 * that is eight 32-bit stores, no object, no bigint. The file header comes from core's pcap
 * encoder; the records are the nanosecond-resolution records it writes. VLAN tags the kernel
 * stripped are put back (a fourth piece between the MACs and the rest of the frame).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { addressOf, hostIsLittleEndian, loadNativeLibrary, PcapEncoder, SocketError } from '@rxsock/core';
import { TpStatus } from '../constants.js';
import type { PacketBlock } from './block.js';
import * as L from './layout.js';

/** IOV_MAX on Linux. */
const IOV_MAX = 1024;
/** Bytes of side buffer per packet: the record header and room for a VLAN tag. */
const SLOT = 20;
const TWO32 = 2 ** 32;

type Writev = (fd: number, iov: Uint8Array, count: number) => number;
let writevFn: Writev | undefined;
function writev(): Writev {
  return (writevFn ??= loadNativeLibrary(['libc.so.6', 'libc.so'], { purpose: 'writing capture files', debianPackage: 'libc6' }).func('intptr_t writev(int fd, void *iov, int iovcnt)') as unknown as Writev);
}

/** Writes pcap files (nanosecond magic, Ethernet link type) from ring blocks. */
export class RingPcapWriter {
  private readonly fd: number;
  private readonly iov = new Uint8Array(IOV_MAX * 16);
  private readonly iovWords = new Uint32Array(this.iov.buffer);
  private heads = new Uint8Array(0);
  private headsView = new DataView(this.heads.buffer);
  private headsAddress = 0;
  private pieces = 0;
  private pending = 0;
  private closed = false;
  /** Packets written. */
  packets = 0;
  /** Bytes written, header included. */
  bytes = 0;

  /**
   * Creates (or truncates) `path` and writes the pcap header.
   * @param snapLength - recorded in the header and applied to every frame.
   */
  constructor(
    path: string,
    private readonly snapLength = 262144,
  ) {
    this.fd = openSync(path, 'w');
    const header = new PcapEncoder({ linkType: 1, snapLen: snapLength, nanosecond: true, littleEndian: hostIsLittleEndian }).header();
    writeSync(this.fd, header);
    this.bytes = header.length;
  }

  /**
   * Appends every packet of `block` (call while the block is held, before it is released). It
   * writes each record header into the 16 bytes before the frame (the padding after the
   * packet's `sockaddr_ll`, whose fields up to a 6-byte address stay intact).
   */
  writeBlock(block: PacketBlock): void {
    const n = block.count;
    if (this.heads.length < n * SLOT) {
      this.heads = new Uint8Array(Math.max(n, 1024) * SLOT * 2);
      this.headsView = new DataView(this.heads.buffer);
      this.headsAddress = Number(addressOf(this.heads));
    }
    const heads = this.headsView;
    const le = hostIsLittleEndian;
    const u32 = block.words;
    const u16 = block.halfWords;
    const ringAddress = block.ringAddress;
    const snap = this.snapLength;
    let hdr = block.start + u32[(block.start + L.BLOCK_FIRST_PKT) >>> 2]!;
    for (let i = 0; i < n; i++) {
      const w = hdr >>> 2;
      const status = u32[w + L.HDR_STATUS / 4]!;
      const start = hdr + u16[(hdr + L.HDR_MAC) >>> 1]!;
      const caplen = u32[w + L.HDR_SNAPLEN / 4]!;
      const vlan = (status & TpStatus.VLAN_VALID) !== 0 && caplen >= 12;
      const tag = vlan ? 4 : 0;
      const recorded = Math.min(caplen + tag, snap);
      const sec = u32[w + L.HDR_SEC / 4]!;
      const nsec = u32[w + L.HDR_NSEC / 4]!;
      const wire = u32[w + L.HDR_LEN / 4]! + tag;
      if (this.pieces > IOV_MAX - 4) this.flush();
      if (le && !vlan && start - hdr >= L.HDR_SLL + 18 + 16 && (start & 1) === 0) {
        // The 16 bytes before the frame are the last two bytes of sockaddr_ll's address (unused
        // for a 6-byte MAC) and alignment padding (the kernel puts an Ethernet frame at hdr + 82):
        // the record header goes there, in the held block, so header and frame leave as one
        // piece. Written as u16 halves (the frame is only 2-byte aligned), little-endian hosts.
        const hw = (start - 16) >>> 1;
        u16[hw] = sec & 0xffff;
        u16[hw + 1] = sec >>> 16;
        u16[hw + 2] = nsec & 0xffff;
        u16[hw + 3] = nsec >>> 16;
        u16[hw + 4] = recorded & 0xffff;
        u16[hw + 5] = recorded >>> 16;
        u16[hw + 6] = wire & 0xffff;
        u16[hw + 7] = wire >>> 16;
        this.piece(ringAddress + start - 16, 16 + recorded);
        this.pending += 16 + recorded;
        hdr += u32[w + L.HDR_NEXT / 4]!;
        continue;
      }
      const slot = i * SLOT;
      heads.setUint32(slot, sec, le);
      heads.setUint32(slot + 4, nsec, le);
      heads.setUint32(slot + 8, recorded, le);
      heads.setUint32(slot + 12, wire, le);
      this.piece(this.headsAddress + slot, 16);
      if (vlan) {
        const tpid = status & TpStatus.VLAN_TPID_VALID ? u16[(hdr + L.HDR_VLAN_TPID) >>> 1]! : 0x8100;
        const tci = u32[w + L.HDR_VLAN_TCI / 4]! & 0xffff;
        heads.setUint16(slot + 16, tpid, false);
        heads.setUint16(slot + 18, tci, false);
        const macs = Math.min(12, recorded);
        this.piece(ringAddress + start, macs);
        if (recorded > 12) this.piece(this.headsAddress + slot + 16, Math.min(4, recorded - 12));
        if (recorded > 16) this.piece(ringAddress + start + 12, recorded - 16);
      } else {
        this.piece(ringAddress + start, recorded);
      }
      this.pending += 16 + recorded;
      hdr += u32[w + L.HDR_NEXT / 4]!;
    }
    this.flush();
    this.packets += n;
  }

  /** Closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private piece(address: number, length: number): void {
    const at = this.pieces * 4;
    const words = this.iovWords;
    const low = address % TWO32;
    const high = (address - low) / TWO32;
    words[at + (hostIsLittleEndian ? 0 : 1)] = low;
    words[at + (hostIsLittleEndian ? 1 : 0)] = high;
    words[at + (hostIsLittleEndian ? 2 : 3)] = length;
    words[at + (hostIsLittleEndian ? 3 : 2)] = 0;
    this.pieces++;
  }

  /** Writes the gathered pieces; a short write (a full disk) goes on from where it stopped. */
  private flush(): void {
    let count = this.pieces;
    if (count === 0) return;
    let first = 0;
    let left = this.pending;
    const iov = this.iov;
    const words = this.iovWords;
    const lo = hostIsLittleEndian ? 0 : 1;
    const len = hostIsLittleEndian ? 2 : 3;
    while (left > 0) {
      const r = writev()(this.fd, first === 0 ? iov : iov.subarray(first * 16), count);
      if (r < 0) throw new SocketError('writing the capture file failed (writev)', { code: 'ERR_RXSOCK_WRITE', syscall: 'writev' });
      this.bytes += r;
      left -= r;
      // skip the pieces written whole, trim the one cut in the middle
      let done = r;
      while (count > 0 && done >= words[first * 4 + len]!) {
        done -= words[first * 4 + len]!;
        first++;
        count--;
      }
      if (done > 0) {
        words[first * 4 + lo] = words[first * 4 + lo]! + done;
        words[first * 4 + len] = words[first * 4 + len]! - done;
      }
    }
    this.pieces = 0;
    this.pending = 0;
  }
}
