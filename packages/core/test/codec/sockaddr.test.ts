import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbInet4Address, arbInet6Address, arbSocketAddress, arbUnixAddress } from '@rxsock/testing';
import { C } from '../../src/index.js';
import {
  addressPort,
  allocSockaddr,
  decodeError,
  decodeSockaddr,
  encodeSockaddr,
  formatAddress,
  registerAddressCodec,
  sockaddrFamily,
  sockaddrLayouts,
  type SockaddrLayout,
  type SocketAddress,
  type SocketAddressInit,
  inetNtop,
} from '../../src/codec/index.js';
import { hostIsLittleEndian } from '../../src/codec/byte-order.js';
import { codeOf } from './python.js';

const { linux, bsd } = sockaddrLayouts;

const roundTrip = (a: SocketAddressInit, layout: SockaddrLayout): SocketAddress => {
  const bytes = encodeSockaddr(a, layout);
  return decodeSockaddr(bytes, bytes.length, layout);
};

describe('sockaddr round trips', () => {
  it('every built-in family, Linux layout', () => {
    fc.assert(fc.property(arbSocketAddress(), (a) => void expect(roundTrip(a, linux)).toEqual(a)), { numRuns: 1000 });
  });

  it('every built-in family, BSD layout (sa_len, 104-byte sun_path, no abstract names)', () => {
    const arb = arbSocketAddress({ abstract: false, sunPathSize: 104 });
    fc.assert(fc.property(arb, (a) => void expect(roundTrip(a, bsd)).toEqual(a)), { numRuns: 1000 });
  });

  it('decoding ignores bytes past the reported length, as a sockaddr_storage buffer has', () => {
    fc.assert(
      fc.property(arbSocketAddress(), fc.uint8Array({ maxLength: 40 }), (a, junk) => {
        const bytes = encodeSockaddr(a, linux);
        const storage = new Uint8Array(bytes.length + junk.length);
        storage.set(bytes);
        storage.set(junk, bytes.length);
        expect(decodeSockaddr(storage, bytes.length, linux)).toEqual(a);
      }),
    );
  });

  it('a decoded address of an unregistered family re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 200 }), fc.uint8Array({ maxLength: 40 }), fc.constantFrom(linux, bsd), (family, rest, layout) => {
        const a = { family, bytes: rest };
        const bytes = encodeSockaddr(a, layout);
        expect(sockaddrFamily(bytes, layout)).toBe(family);
        expect(decodeSockaddr(bytes, bytes.length, layout)).toEqual(a);
      }),
    );
  });
});

describe('sockaddr layouts', () => {
  const family16 = (n: number): number[] => (hostIsLittleEndian ? [n & 0xff, n >> 8] : [n >> 8, n & 0xff]);
  const scope32 = (n: number): number[] => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, hostIsLittleEndian);
    return [...b];
  };

  it('sockaddr_in: 16 bytes, port big-endian', () => {
    const a = { family: 'inet', host: '127.0.0.1', port: 0x1f90 } as const;
    expect([...encodeSockaddr(a, linux)]).toEqual([...family16(C.AF_INET), 0x1f, 0x90, 127, 0, 0, 1, ...Array(8).fill(0)]);
    expect([...encodeSockaddr(a, bsd)]).toEqual([16, C.AF_INET, 0x1f, 0x90, 127, 0, 0, 1, ...Array(8).fill(0)]);
  });

  it('sockaddr_in6: 28 bytes, flowinfo in network order, scope id host-endian', () => {
    const a = { family: 'inet6', host: 'fe80::1', port: 443, flowInfo: 0x12345, scopeId: 7 } as const;
    const addr = [0xfe, 0x80, ...Array(13).fill(0), 1];
    expect([...encodeSockaddr(a, linux)]).toEqual([...family16(C.AF_INET6), 1, 0xbb, 0, 1, 0x23, 0x45, ...addr, ...scope32(7)]);
    expect([...encodeSockaddr(a, bsd)].slice(0, 2)).toEqual([28, C.AF_INET6]);
  });

  it('sockaddr_in6: flow info and scope id default to 0; a numeric zone sets the scope id', () => {
    expect(roundTrip({ family: 'inet6', host: '::1', port: 1 }, linux)).toEqual({ family: 'inet6', host: '::1', port: 1, flowInfo: 0, scopeId: 0 });
    expect(roundTrip({ family: 'inet6', host: 'fe80::1%3', port: 1 }, linux)).toMatchObject({ host: 'fe80::1', scopeId: 3 });
    expect(codeOf(() => encodeSockaddr({ family: 'inet6', host: 'fe80::1%eth0', port: 1 }, linux))).toBe('EINVAL');
    expect(codeOf(() => encodeSockaddr({ family: 'inet6', host: 'fe80::1%3', port: 1, scopeId: 4 }, linux))).toBe('EINVAL');
  });

  it("Python's '' and '<broadcast>' hosts", () => {
    expect(roundTrip({ family: 'inet', host: '', port: 80 }, linux)).toEqual({ family: 'inet', host: '0.0.0.0', port: 80 });
    expect(roundTrip({ family: 'inet', host: '<broadcast>', port: 80 }, linux)).toMatchObject({ host: '255.255.255.255' });
    expect(roundTrip({ family: 'inet6', host: '', port: 80 }, linux)).toMatchObject({ host: '::' });
  });

  it('sockaddr_un lengths: path + NUL, abstract without NUL, unnamed = family only', () => {
    expect(encodeSockaddr({ family: 'unix', path: '/tmp/x' }, linux)).toHaveLength(2 + 6 + 1);
    expect(encodeSockaddr({ family: 'unix', path: '/tmp/x' }, linux)[8]).toBe(0);
    expect(encodeSockaddr({ family: 'unix', path: '\0name' }, linux)).toHaveLength(2 + 1 + 4);
    expect(encodeSockaddr({ family: 'unix', path: '' }, linux)).toHaveLength(2);
    expect(encodeSockaddr({ family: 'unix', path: 'é' }, linux)).toHaveLength(2 + 2 + 1);
    const b = encodeSockaddr({ family: 'unix', path: '/x' }, bsd);
    expect([...b]).toEqual([5, C.AF_UNIX, 0x2f, 0x78, 0]);
  });

  it('sockaddr_un limits: 107 path bytes and 107 abstract bytes on Linux, 103 on BSD', () => {
    const encode = (path: string, layout: SockaddrLayout) => () => encodeSockaddr({ family: 'unix', path }, layout);
    expect(encode('a'.repeat(107), linux)()).toHaveLength(110);
    expect(codeOf(encode('a'.repeat(108), linux))).toBe('EINVAL');
    expect(codeOf(encode('é'.repeat(54), linux))).toBe('EINVAL');
    expect(encode(`\0${'a'.repeat(107)}`, linux)()).toHaveLength(110);
    expect(codeOf(encode(`\0${'a'.repeat(108)}`, linux))).toBe('EINVAL');
    expect(encode('a'.repeat(103), bsd)()).toHaveLength(106);
    expect(codeOf(encode('a'.repeat(104), bsd))).toBe('EINVAL');
    expect(codeOf(encode('\0abstract', bsd))).toBe('EINVAL');
    expect(codeOf(encode('a\0b', linux))).toBe('EINVAL');
  });

  it('sockaddr_un decoding: a full sun_path without NUL, NUL-terminated paths, abstract names with NULs', () => {
    const full = allocSockaddr(C.AF_UNIX, 110, linux);
    full.fill(0x61, 2);
    expect(decodeSockaddr(full, 110, linux)).toEqual({ family: 'unix', path: 'a'.repeat(108) });
    const padded = allocSockaddr(C.AF_UNIX, 110, linux);
    padded.set([0x2f, 0x61], 2);
    expect(decodeSockaddr(padded, 110, linux)).toEqual({ family: 'unix', path: '/a' });
    expect(roundTrip({ family: 'unix', path: '\0a\0b\0' }, linux)).toEqual({ family: 'unix', path: '\0a\0b\0' });
    expect(codeOf(() => decodeSockaddr(allocSockaddr(C.AF_UNIX, 120, linux), 111, linux))).toBe('ERR_RXSOCK_DECODE');
  });
});

describe('sockaddr errors', () => {
  it.each<[string, SocketAddressInit]>([
    ['port -1', { family: 'inet', host: '1.2.3.4', port: -1 }],
    ['port 65536', { family: 'inet', host: '1.2.3.4', port: 65536 }],
    ['port 1.5', { family: 'inet6', host: '::', port: 1.5 }],
    ['bad IPv4 text', { family: 'inet', host: '1.2.3', port: 1 }],
    ['IPv6 text in inet', { family: 'inet', host: '::1', port: 1 }],
    ['bad IPv6 text', { family: 'inet6', host: '1::2::3', port: 1 }],
    ['flowInfo 2^32', { family: 'inet6', host: '::', port: 1, flowInfo: 2 ** 32 }],
    ['scopeId -1', { family: 'inet6', host: '::', port: 1, scopeId: -1 }],
    ['unregistered family name', { family: 'no-such-family' } as unknown as SocketAddressInit],
    ['family number over 16 bits', { family: 0x10000, bytes: new Uint8Array(2) }],
  ])('%s is EINVAL', (_, address) => {
    expect(codeOf(() => encodeSockaddr(address, linux))).toBe('EINVAL');
  });

  it('arbitrary bytes and lengths decode or throw ERR_RXSOCK_DECODE, nothing else', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 140 }),
        fc.oneof(fc.integer({ min: -2, max: 150 }), fc.constantFrom(NaN, 1.5, Infinity)),
        fc.constantFrom(linux, bsd),
        fc.constantFrom(undefined, C.AF_INET, C.AF_INET6, C.AF_UNIX, 250),
        (bytes, length, layout, family) => {
          if (family !== undefined && bytes.length >= 2) {
            if (layout.sockaddrHasLength) bytes[1] = family;
            else new DataView(bytes.buffer).setUint16(0, family, hostIsLittleEndian);
          }
          const code = codeOf(() => decodeSockaddr(bytes, length, layout));
          expect(code === undefined || code === 'ERR_RXSOCK_DECODE').toBe(true);
          expect([undefined, 'ERR_RXSOCK_DECODE']).toContain(codeOf(() => sockaddrFamily(bytes, layout)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('truncated structures are ERR_RXSOCK_DECODE', () => {
    const in4 = encodeSockaddr({ family: 'inet', host: '1.2.3.4', port: 1 }, linux);
    const in6 = encodeSockaddr({ family: 'inet6', host: '::1', port: 1 }, linux);
    expect(codeOf(() => decodeSockaddr(in4, 15, linux))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeSockaddr(in6, 27, linux))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeSockaddr(in4, 17, linux))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeSockaddr(in4, 0, linux))).toBe('ERR_RXSOCK_DECODE');
  });
});

describe('formatAddress / addressPort', () => {
  it.each<[SocketAddressInit, string, number | undefined]>([
    [{ family: 'inet', host: '127.0.0.1', port: 80 }, '127.0.0.1:80', 80],
    [{ family: 'inet6', host: '::1', port: 80, flowInfo: 0, scopeId: 1 }, '[::1%1]:80', 80],
    [{ family: 'inet6', host: '::1', port: 443 }, '[::1]:443', 443],
    [{ family: 'unix', path: '/tmp/x' }, '/tmp/x', undefined],
    [{ family: 'unix', path: '\0name' }, '@name', undefined],
    [{ family: 'unix', path: '' }, '(unnamed)', undefined],
    [{ family: 17, bytes: Uint8Array.of(0, 3, 0xab) }, '<family 17: 0003ab>', undefined],
  ])('%o', (address, text, port) => {
    expect(formatAddress(address)).toBe(text);
    expect(addressPort(address)).toBe(port);
  });

  it('formats every generated address without throwing', () => {
    fc.assert(fc.property(arbSocketAddress(), (a) => void expect(typeof formatAddress(a)).toBe('string')));
    fc.assert(fc.property(arbInet4Address(), (a) => void expect(formatAddress(a)).toBe(`${a.host}:${a.port}`)));
    fc.assert(fc.property(arbInet6Address(), (a) => void expect(formatAddress(a).startsWith(`[${a.host}`)).toBe(true)));
    fc.assert(fc.property(arbUnixAddress(), (a) => void expect(addressPort(a)).toBeUndefined()));
  });
});

describe('registerAddressCodec', () => {
  // A made-up family with a port, as a family package would register (AF_CAN, AF_PACKET...).
  interface TestAddress {
    family: 'rxsock-test';
    channel: number;
  }
  const TEST_FAMILY = 251;
  const codec = {
    familyNumber: TEST_FAMILY,
    familyName: 'rxsock-test' as const,
    encode(a: TestAddress, layout: SockaddrLayout) {
      const b = allocSockaddr(TEST_FAMILY, 8, layout);
      new DataView(b.buffer).setUint32(4, a.channel);
      return b;
    },
    decode(bytes: Uint8Array, length: number): TestAddress {
      if (length < 8) throw decodeError('short test sockaddr');
      // Deliberately careless: a RangeError here must still surface as ERR_RXSOCK_DECODE.
      return { family: 'rxsock-test', channel: new DataView(bytes.buffer, bytes.byteOffset).getUint32(4) };
    },
    format: (a: TestAddress) => `test#${a.channel}`,
    port: (a: TestAddress) => a.channel,
  };
  registerAddressCodec(codec);

  it('encodes, decodes, formats through the registry, in both layouts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(linux, bsd), (channel, layout) => {
        const a = { family: 'rxsock-test', channel } as unknown as SocketAddressInit;
        expect(roundTrip(a, layout)).toEqual(a);
        expect(formatAddress(a)).toBe(`test#${channel}`);
        expect(addressPort(a)).toBe(channel);
      }),
    );
  });

  it('wraps anything a plugged-in decoder throws into ERR_RXSOCK_DECODE', () => {
    const careless = { ...codec, familyNumber: 252, familyName: 'rxsock-careless' as const, decode: () => { throw new RangeError('boom'); } };
    registerAddressCodec(careless as never);
    const bytes = allocSockaddr(252, 8, linux);
    expect(codeOf(() => decodeSockaddr(bytes, 8, linux))).toBe('ERR_RXSOCK_DECODE');
  });

  it('refuses a second codec for a taken name or number, accepts the same one again', () => {
    expect(() => registerAddressCodec(codec)).not.toThrow();
    expect(codeOf(() => registerAddressCodec({ ...codec }))).toBe('EINVAL');
    expect(codeOf(() => registerAddressCodec({ ...codec, familyName: 'other' as never }))).toBe('EINVAL');
    expect(codeOf(() => registerAddressCodec({ ...codec, familyNumber: C.AF_INET }))).toBe('EINVAL');
  });
});

describe('decoding repeated peers', () => {
  it('reuses the host text of a repeated address and still decodes every address in any order right', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(arbInet4Address(), arbInet6Address()), { minLength: 1, maxLength: 8 }), fc.nat(), (pool, seed) => {
        // a sequence with repeats, so both the cache hits and its misses are exercised
        const order = Array.from({ length: 24 }, (_, i) => pool[(seed + i * i) % pool.length]!);
        for (const a of order) {
          const bytes = encodeSockaddr(a);
          // the reference text comes straight from inet_ntop on the packed address
          const packed = a.family === 'inet' ? bytes.subarray(4, 8) : bytes.subarray(8, 24);
          expect(decodeSockaddr(bytes, bytes.length)).toMatchObject({ family: a.family, host: inetNtop(a.family, packed), port: a.port });
        }
      }),
    );
  });

  it('hands out one host string for consecutive decodes of one address', () => {
    const bytes = encodeSockaddr({ family: 'inet', host: '10.1.2.3', port: 80 });
    const a = decodeSockaddr(bytes, bytes.length) as { host: string };
    const b = decodeSockaddr(bytes, bytes.length) as { host: string };
    expect(a.host).toBe('10.1.2.3');
    expect(b.host).toBe(a.host);
    const other = encodeSockaddr({ family: 'inet', host: '10.1.2.4', port: 80 });
    expect((decodeSockaddr(other, other.length) as { host: string }).host).toBe('10.1.2.4');
    expect((decodeSockaddr(bytes, bytes.length) as { host: string }).host).toBe('10.1.2.3');
  });
});
