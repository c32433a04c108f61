import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketError, parseCapture, type CapturePacket } from '@rxsock/core';
import {
  LinkType,
  PacketCaptureWriter,
  capturedPacketRecord,
  decodeSll2Header,
  decodeSllHeader,
  encodeSll2Header,
  encodeSllHeader,
  linkTypeForHardware,
  linkTypeName,
  networkLayer,
  packetFlags,
  type CookedHeader,
} from '../../src/file/index.js';
import { Writable } from 'node:stream';
import { ethernetUdp, hex, ipv4Udp, text } from './frames.js';

const headerArb: fc.Arbitrary<CookedHeader> = fc.record({
  packetType: fc.integer({ min: 0, max: 255 }),
  hardwareType: fc.integer({ min: 0, max: 0xffff }),
  address: fc.uint8Array({ maxLength: 8 }),
  protocol: fc.integer({ min: 0, max: 0xffff }),
  interfaceIndex: fc.nat({ max: 0xffffffff }),
});

describe('Linux cooked headers', () => {
  it('SLL and SLL2 round trip any fields', () => {
    fc.assert(
      fc.property(headerArb, fc.uint8Array({ maxLength: 20 }), (h, payload) => {
        const sll2 = encodeSll2Header(h);
        expect(sll2.length).toBe(20);
        expect(decodeSll2Header(new Uint8Array([...sll2, ...payload]))).toEqual(h);
        const sll = encodeSllHeader({ ...h, packetType: h.packetType });
        expect(decodeSllHeader(sll)).toEqual({ ...h, interfaceIndex: 0 });
        expect(networkLayer(LinkType.LINUX_SLL2, sll2)).toEqual({ offset: 20, protocol: h.protocol });
        expect(networkLayer(LinkType.LINUX_SLL, sll)).toEqual({ offset: 16, protocol: h.protocol });
      }),
    );
  });

  it('puts fields at the offsets of pcap-linktype(7)', () => {
    const h = { packetType: 4, hardwareType: 1, address: Uint8Array.of(2, 0, 0, 0, 0, 1), protocol: 0x86dd, interfaceIndex: 0x01020304 };
    expect(hex(encodeSllHeader(h))).toBe('0004' + '0001' + '0006' + '0200000000010000' + '86dd');
    expect(hex(encodeSll2Header(h))).toBe('86dd' + '0000' + '01020304' + '0001' + '04' + '06' + '0200000000010000');
  });

  it('short or arbitrary bytes give typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 1, 101, 108, 113, 228, 229, 276, 9999), (bytes, linkType) => {
        try {
          const r = networkLayer(linkType, bytes);
          expect(r.offset).toBeLessThanOrEqual(Math.max(bytes.length, 20));
        } catch (err) {
          expect(err).toBeInstanceOf(SocketError);
          expect((err as SocketError).code).toBe('ERR_RXSOCK_DECODE');
        }
      }),
    );
    expect(() => decodeSll2Header(new Uint8Array(19))).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
    expect(() => encodeSllHeader({ packetType: 0, hardwareType: 70000, address: new Uint8Array(0), protocol: 0, interfaceIndex: 0 })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });

  it('finds the network layer behind Ethernet with VLAN tags, raw IP and loopback headers', () => {
    const eth = ethernetUdp(text('x'));
    expect(networkLayer(LinkType.ETHERNET, eth)).toEqual({ offset: 14, protocol: 0x0800 });
    const tagged = new Uint8Array([...eth.subarray(0, 12), 0x88, 0xa8, 0, 5, 0x81, 0x00, 0, 7, ...eth.subarray(12)]);
    expect(networkLayer(LinkType.ETHERNET, tagged)).toEqual({ offset: 22, protocol: 0x0800 });
    expect(networkLayer(LinkType.RAW, ipv4Udp(text('x')))).toEqual({ offset: 0, protocol: 0x0800 });
    expect(networkLayer(LinkType.NULL, new Uint8Array([2, 0, 0, 0, 0x60]))).toEqual({ offset: 4, protocol: 0x86dd });
  });
});

describe('captured packets as records', () => {
  it('keep timestamp and wire length, flag direction and reception type, and prepend a cooked header for cooked link types', () => {
    const data = ipv4Udp(text('dgram'));
    const packet = { data, length: data.length + 100, timestamp: 123n, packetType: 'broadcast' as const, protocol: 0x0800, interfaceIndex: 3 };
    expect(capturedPacketRecord(packet, { linkType: LinkType.RAW })).toEqual({ interfaceId: 0, timestamp: 123n, data, originalLength: data.length + 100, flags: 1 | (3 << 2) });
    const cooked = capturedPacketRecord(packet, { linkType: LinkType.LINUX_SLL2, interfaceId: 2, hardwareType: 772 });
    expect(cooked.originalLength).toBe(data.length + 100 + 20);
    expect(decodeSll2Header(cooked.data)).toEqual({ protocol: 0x0800, interfaceIndex: 3, hardwareType: 772, packetType: 1, address: new Uint8Array(0) });
    expect(hex(cooked.data.subarray(20))).toBe(hex(data));
    expect([packetFlags('host'), packetFlags('outgoing'), packetFlags('otherhost'), packetFlags(undefined)]).toEqual([5, 2, 17, undefined]);
  });

  it('PacketCaptureWriter writes the header at once and each packet after it', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c), cb()) });
    const w = new PacketCaptureWriter(sink, { format: 'pcapng', linkType: LinkType.LINUX_SLL, interfaceName: 'any', filter: 'udp' });
    w.write({ data: ipv4Udp(text('a')), length: 29, timestamp: 5n, packetType: 'outgoing', protocol: 0x0800 });
    expect(w.written).toBe(1);
    await w.close();
    const records = parseCapture(Buffer.concat(chunks));
    expect(records.map((r) => r.type)).toEqual(['section', 'interface', 'packet']);
    expect(records[1]).toMatchObject({ linkType: 113, name: 'any', filter: 'udp' });
    const p = records[2] as CapturePacket;
    expect(p).toMatchObject({ timestamp: 5n, originalLength: 45, flags: 2 });
    expect(decodeSllHeader(p.data).packetType).toBe(4);
  });

  it('maps hardware types to link types as libpcap does', () => {
    expect([linkTypeForHardware(1), linkTypeForHardware(772), linkTypeForHardware(0xfffe), linkTypeForHardware(1, true), linkTypeForHardware(999)]).toEqual([1, 1, 101, 276, 276]);
    expect([linkTypeName(1), linkTypeName(276), linkTypeName(4242)]).toEqual(['EN10MB', 'LINUX_SLL2', 'LINKTYPE_4242']);
  });
});
