/** Encode then decode: every field built comes back, lengths and checksums are filled in and verify. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPacket, decodePacket, quotedPacket, type LayerFields } from '../../src/index.js';
import { bytes, ethernetLayer, ipv4Layer, ipv6Layer, packetLayers, tcpLayer, udpLayer, icmpLayer, icmpv6Layer, arpLayer } from './support/arbitraries.js';
import { snapshot } from './support/fields.js';

const arr = (b: Uint8Array): number[] => Array.from(b);

/** What `snapshot` must show for the fields that were given. */
function expectLayer(snap: Record<string, unknown>, l: LayerFields): void {
  const got = snap[l.layer] as Record<string, unknown>;
  expect(got, `layer ${l.layer} decoded`).toBeDefined();
  switch (l.layer) {
    case 'ethernet':
      expect(got).toMatchObject({ src: l.src, dst: l.dst, vlans: l.vlans });
      break;
    case 'arp':
      expect(got).toMatchObject({ op: l.op, senderMac: l.senderMac, senderIp: l.senderIp, targetMac: l.targetMac, targetIp: l.targetIp, hardwareType: 1, protocolType: 0x800 });
      break;
    case 'ipv4':
      expect(got).toMatchObject({ src: l.src, dst: l.dst, tos: l.tos, id: l.id, ttl: l.ttl, flags: l.dontFragment ? 2 : 0, checksumValid: true });
      expect(got.options).toEqual((l.options as { type: number; data: Uint8Array }[]).map((o) => ({ type: o.type, data: arr(o.data) })));
      break;
    case 'ipv6':
      expect(got).toMatchObject({ trafficClass: l.trafficClass, flowLabel: l.flowLabel, hopLimit: l.hopLimit });
      expect(got.src).toBe(decodePacket(buildPacket([{ layer: 'ipv6', src: l.src, dst: '::' }]), 'ipv6').ipv6?.src);
      expect((got.extensions as unknown[]).length).toBe(l.extensions?.length ?? 0);
      (l.extensions ?? []).forEach((x, k) => {
        const d = (got.extensions as Record<string, unknown>[])[k] as Record<string, unknown>;
        expect(d.type).toBe(x.type);
        if (x.type === 'hopByHop' || x.type === 'destination') expect(d.options).toEqual((x.options ?? []).map((o) => ({ type: o.type, data: arr(o.data) })));
        if (x.type === 'fragment') expect(d).toMatchObject({ id: x.id, fragmentOffset: 0, moreFragments: false });
        if (x.type === 'ah') expect(d).toMatchObject({ spi: x.spi, seq: x.seq, icv: arr(x.icv as Uint8Array) });
        if (x.type === 'routing') expect((d.addresses as string[]).length).toBe(x.addresses?.length);
      });
      break;
    case 'udp':
      expect(got).toMatchObject({ srcPort: l.srcPort, dstPort: l.dstPort, checksumValid: true });
      break;
    case 'tcp':
      expect(got).toMatchObject({ srcPort: l.srcPort, dstPort: l.dstPort, seq: l.seq, ack: l.ack, flags: l.flags, window: l.window, urgentPointer: l.urgentPointer, checksumValid: true });
      expect(got.options).toEqual((l.options as unknown[]).map((o) => {
        const opt = o as { kind: string; data?: Uint8Array };
        return opt.kind === 'other' ? { ...opt, data: arr(opt.data as Uint8Array) } : opt;
      }));
      break;
    case 'icmp':
    case 'icmpv6':
      expect(got).toMatchObject({ type: l.type, code: l.code, id: l.id, seq: l.seq, checksumValid: true });
      break;
  }
}

describe('round trips', () => {
  it('whole packets: every given field decodes back, checksums verify, payload intact', () => {
    fc.assert(
      fc.property(packetLayers, bytes(64), (layers, payload) => {
        const built = buildPacket(layers, payload);
        const link = layers[0]?.layer === 'ethernet' ? 'ethernet' : 'ip';
        const p = decodePacket(built, link);
        expect(p.error).toBeUndefined();
        expect(p.truncated).toBe(false);
        const snap = snapshot(p);
        expect(snap.layers).toEqual(expectedLayers(layers));
        for (const l of layers) expectLayer(snap, l);
        if (layers.at(-1)?.layer !== 'arp') expect(snap.payload).toEqual(arr(payload));
      }),
      { numRuns: 600 },
    );
  });

  it.each([
    ['ethernet', ethernetLayer],
    ['ipv4', ipv4Layer],
    ['ipv6', ipv6Layer],
    ['arp', arpLayer],
  ] as const)('%s alone', (name, arb) => {
    fc.assert(
      fc.property(arb as fc.Arbitrary<LayerFields>, (l) => {
        const p = decodePacket(buildPacket([l]), name === 'ethernet' ? 'ethernet' : name === 'arp' ? 'arp' : 'ip');
        expect(p.error).toBeUndefined();
        expectLayer(snapshot(p), l);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['udp', udpLayer, 17],
    ['tcp', tcpLayer, 6],
    ['icmp', icmpLayer, 1],
    ['icmpv6', icmpv6Layer, 58],
  ] as const)('%s over IPv4 and IPv6, lengths and pseudo-header checksums', (name, arb, proto) => {
    fc.assert(
      fc.property(arb as fc.Arbitrary<LayerFields>, ipv4Layer, ipv6Layer, bytes(40), (t, v4, v6, payload) => {
        for (const ip of name === 'icmp' ? [v4] : name === 'icmpv6' ? [v6] : [v4, v6]) {
          const built = buildPacket([ip, t], payload);
          const p = decodePacket(built, 'ip');
          expect(p.ip?.protocol).toBe(proto);
          expect(p.error).toBeUndefined();
          expectLayer(snapshot(p), t);
          if (name === 'udp') expect(p.udp?.length).toBe(8 + payload.length);
          // The transport checksum covers the pseudo-header: flipping a bit of the source address breaks it.
          if (name !== 'icmp') {
            const at = (p.ip?.offset ?? 0) + (ip.layer === 'ipv4' ? 12 : 8);
            built[at] = (built[at] as number) ^ 0x01;
            expect(decodePacket(built, 'ip').transport?.checksumValid).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a UDP checksum that computes to 0 is sent as 0xffff and verifies', () => {
    // Search the payload word that makes the computed sum 0 (sent as 0xffff, RFC 768).
    const layers: LayerFields[] = [{ layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' }];
    let payload = new Uint8Array(2);
    for (let w = 0; w <= 0xffff; w++) {
      payload = new Uint8Array([w >>> 8, w & 0xff]);
      const b = buildPacket([layers[0] as LayerFields, { layer: 'udp', srcPort: 1, dstPort: 2 }], payload);
      if ((b[26] as number) === 0xff && (b[27] as number) === 0xff) break;
    }
    const b = buildPacket([layers[0] as LayerFields, { layer: 'udp', srcPort: 1, dstPort: 2 }], payload);
    expect([b[26], b[27]]).toEqual([0xff, 0xff]);
    expect(decodePacket(b, 'ip').udp?.checksumValid).toBe(true);
  });

  it('an IPv6 routing header with segments left: the checksum covers the final destination', () => {
    const b = buildPacket([
      { layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 'routing', segmentsLeft: 1, addresses: ['2001:db8::3'] }] },
      { layer: 'udp', srcPort: 5, dstPort: 6 },
    ], Buffer.from('data'));
    const p = decodePacket(b, 'ipv6');
    expect(p.udp?.checksumValid).toBe(true);
    // Against the first-hop destination instead, the sum would differ.
    const plain = buildPacket([{ layer: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ type: 'routing', segmentsLeft: 0, addresses: ['2001:db8::3'] }] }, { layer: 'udp', srcPort: 5, dstPort: 6 }], Buffer.from('data'));
    expect(plain.readUInt16BE(plain.length - 4 - 2)).not.toBe(b.readUInt16BE(b.length - 4 - 2));
  });

  it('fragments are flagged, and only the first carries a transport header', () => {
    const first = decodePacket(buildPacket([{ layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', moreFragments: true, id: 9 }, { layer: 'udp', srcPort: 1, dstPort: 2 }], new Uint8Array(16)), 'ip');
    expect(first.ipv4?.isFragment).toBe(true);
    expect(first.udp?.srcPort).toBe(1);
    expect(first.udp?.checksumValid).toBeNull();
    const later = decodePacket(buildPacket([{ layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2', fragmentOffset: 3, protocol: 17 }], new Uint8Array(16)), 'ip');
    expect(later.ipv4?.isFragment).toBe(true);
    expect(later.transport).toBeUndefined();
    expect(later.error).toBeUndefined();
    const v6 = decodePacket(buildPacket([{ layer: 'ipv6', src: '::1', dst: '::2', extensions: [{ type: 'fragment', fragmentOffset: 2, id: 5 }], nextHeader: 44 }, { layer: 'udp', srcPort: 1, dstPort: 2 }]), 'ipv6');
    expect(v6.ipv6?.isFragment).toBe(true);
    expect(v6.ipv6?.fragmentOffset).toBe(2);
    expect(v6.transport).toBeUndefined();
  });

  it('truncated captures keep the layers before the cut and say where it was', () => {
    const full = buildPacket([
      { layer: 'ethernet', vlans: [{ vid: 5 }] },
      { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
      { layer: 'tcp', srcPort: 80, dstPort: 9, options: [{ kind: 'mss', value: 1460 }] },
    ], new Uint8Array(100));
    for (let cut = 0; cut < full.length; cut++) {
      const p = decodePacket(full.subarray(0, cut));
      expect(p.truncated).toBe(true);
      if (cut < 18) expect(p.error?.layer).toBe(cut < 14 ? 'ethernet' : 'vlan');
      else if (cut < 38) expect(p.error).toMatchObject({ layer: 'ipv4', reason: 'truncated', code: 'ERR_RXSOCK_DECODE', offset: 18 });
      else if (cut < 62) {
        expect(p.ipv4?.src).toBe('10.0.0.1');
        expect(p.error).toMatchObject({ layer: 'tcp', reason: 'truncated', offset: 38 });
      } else {
        expect(p.error).toBeUndefined();
        expect(p.tcp?.dstPort).toBe(9);
        expect(p.tcp?.checksumValid).toBeNull();
        expect(p.payload.length).toBe(cut - 62);
      }
    }
  });
});

function expectedLayers(layers: LayerFields[]): string[] {
  const out: string[] = [];
  for (const l of layers) {
    out.push(l.layer);
    if (l.layer === 'ethernet') for (const _ of l.vlans ?? []) out.push('vlan');
    if (l.layer === 'ipv6' && (l.extensions?.length ?? 0) > 0) out.push('ipv6-extension');
  }
  return out;
}

describe('ICMP errors quote the offending packet', () => {
  it('quotedPacket decodes what a time exceeded / port unreachable quotes, v4 and v6', () => {
    fc.assert(
      fc.property(udpLayer, ipv4Layer, ipv6Layer, fc.integer({ min: 0, max: 40 }), (udp, v4, v6, keep) => {
        for (const ip of [v4, v6]) {
          const original = buildPacket([ip, udp], new Uint8Array(64));
          const ipHeader = decodePacket(original, 'ip').ip!;
          // RFC 792: the IP header and 8 bytes of data; RFC 4443: as much as fits. Quote a bit more or less.
          const quote = original.subarray(0, ipHeader.payloadOffset + 8 + keep);
          const six = ip.layer === 'ipv6';
          const error = buildPacket([
            six ? { layer: 'ipv6', src: 'fe80::1', dst: 'fe80::2' } : { layer: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' },
            six ? { layer: 'icmpv6', type: 3, code: 0 } : { layer: 'icmp', type: 11, code: 0 },
          ], quote);
          const p = decodePacket(error, 'ip');
          const icmp = (p.icmp ?? p.icmpv6)!;
          expect(icmp.checksumValid).toBe(true);
          const q = quotedPacket(icmp);
          expect(q.ip?.src).toBe(ipHeader.src);
          expect(q.udp?.dstPort).toBe(udp.dstPort);
          expect(q.udp?.srcPort).toBe(udp.srcPort);
          expect(q.truncated).toBe(true);
          expect(q.udp?.checksumValid).toBeNull();
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('Ethernet padding', () => {
  it('a short frame padded to 60 bytes: the IP total length bounds the payload, checksums still verify', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 17 }), fc.uint8Array({ minLength: 1, maxLength: 1 }), (tcp, payload, fill) => {
        const frame = buildPacket([
          { layer: 'ethernet' },
          { layer: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' },
          tcp ? { layer: 'tcp', srcPort: 1, dstPort: 2 } : { layer: 'udp', srcPort: 1, dstPort: 2 },
        ], payload);
        const padded = Buffer.concat([frame, Buffer.alloc(Math.max(0, 60 - frame.length), fill[0])]);
        const p = decodePacket(padded);
        expect(p.truncated).toBe(false);
        expect(p.transport?.checksumValid).toBe(true);
        expect(Array.from(p.payload)).toEqual(Array.from(payload));
        expect(p.ethernet?.payload.length).toBe(padded.length - 14);
      }),
      { numRuns: 200 },
    );
  });
});
