/** Arbitrary bytes never crash a decoder: they decode, or fail with a typed PacketDecodeError. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArpView, EthernetView, IcmpView, Icmpv6View, Ipv4View, Ipv6View, PacketDecodeError, TcpView, UdpView,
  buildPacket, decodePacket, type LinkLayer,
} from '../../src/index.js';
import { packetLayers } from './support/arbitraries.js';
import { snapshot } from './support/fields.js';

/** Reads every getter of a view (own and inherited), as a consumer of all fields would. */
function readAll(view: object): void {
  let proto = Object.getPrototypeOf(view) as object | null;
  while (proto && proto !== Object.prototype) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get) void (view as Record<string, unknown>)[name];
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
}

/** Runs `f`; the only acceptable failure is a typed decode error. */
function typedOrNothing(f: () => void): void {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(PacketDecodeError);
    expect((error as PacketDecodeError).code).toBe('ERR_RXSOCK_DECODE');
    expect(['truncated', 'malformed']).toContain((error as PacketDecodeError).reason);
  }
}

const views = [EthernetView, ArpView, Ipv4View, Ipv6View, UdpView, TcpView, IcmpView, Icmpv6View];

describe('arbitrary bytes', () => {
  it('every view: a typed error or a view whose every field reads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(8), (bytes, offset) => {
        for (const View of views) typedOrNothing(() => readAll(new View(bytes, offset)));
      }),
      { numRuns: 1500 },
    );
  });

  it('decodePacket never throws for any link type, and its fields read or fail typed', () => {
    const links: LinkLayer[] = ['ethernet', 'ip', 'ipv4', 'ipv6', 'arp', 0x0800, 0x1234];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), fc.constantFrom(...links), (bytes, link) => {
        const p = decodePacket(bytes, link);
        expect(() => p.layers).not.toThrow();
        if (p.error) expect(p.error).toBeInstanceOf(PacketDecodeError);
        typedOrNothing(() => snapshot(p));
      }),
      { numRuns: 3000 },
    );
  });

  it('corrupted real packets (bytes flipped, cut anywhere): typed errors only', () => {
    fc.assert(
      fc.property(packetLayers, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }), fc.nat(), (layers, flips, cut) => {
        const b = buildPacket(layers, new Uint8Array(20));
        for (const [at, x] of flips) b[at % b.length] = (b[at % b.length] as number) ^ x;
        const p = decodePacket(b.subarray(0, cut % (b.length + 1)), layers[0]?.layer === 'ethernet' ? 'ethernet' : 'ip');
        typedOrNothing(() => snapshot(p));
      }),
      { numRuns: 2000 },
    );
  });

  it('malformed fields are reported as malformed, with the offset of the header', () => {
    const v4 = buildPacket([{ layer: 'ipv4', src: '1.2.3.4', dst: '5.6.7.8' }]);
    v4[0] = 0x44; // IHL 4
    expect(decodePacket(v4, 'ipv4').error).toMatchObject({ layer: 'ipv4', reason: 'malformed', offset: 0 });
    const tcp = buildPacket([{ layer: 'ipv4', src: '1.2.3.4', dst: '5.6.7.8' }, { layer: 'tcp', srcPort: 1, dstPort: 2, dataOffset: 3 }]);
    expect(decodePacket(tcp, 'ip').error).toMatchObject({ layer: 'tcp', reason: 'malformed', offset: 20 });
    const opt = buildPacket([{ layer: 'ipv4', src: '1.2.3.4', dst: '5.6.7.8' }, { layer: 'tcp', srcPort: 1, dstPort: 2, options: new Uint8Array([2, 9, 0, 0]) }]);
    expect(() => decodePacket(opt, 'ip').tcp?.options).toThrow(expect.objectContaining({ layer: 'tcp', reason: 'malformed', offset: 40 }));
    const six = buildPacket([{ layer: 'ipv6', src: '::1', dst: '::2', extensions: [{ type: 'hopByHop' }] }]);
    six[41] = 9; // the hop-by-hop header now claims 80 bytes
    const p = decodePacket(six, 'ipv6');
    expect(p.ipv6?.src).toBe('::1');
    expect(p.error).toMatchObject({ layer: 'ipv6-extension', reason: 'truncated', offset: 40 });
  });
});
