// J1939 codecs without a socket: j1939_filter (SO_J1939_FILTER), the NAME, the receive control
// messages, the error-queue entry (sock_extended_err + netlink attributes) and the address
// helpers. Layouts checked against linux/can/j1939.h with gcc (x86-64): j1939_filter 32 bytes,
// name @0, name_mask @8, pgn @16, pgn_mask @20, addr @24, addr_mask @25; sock_extended_err 16.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { C, encodeSockExtendedErr, type ControlMessage } from '@rxsock/core';
import {
  J1939Scm,
  J1939_NO_ADDR,
  J1939_NO_PGN,
  SOL_CAN_J1939,
  decodeCanAddress,
  decodeJ1939Control,
  decodeJ1939ErrQueue,
  decodeJ1939Filters,
  decodeJ1939Name,
  decodeJ1939SessionStats,
  encodeCanAddress,
  encodeJ1939Filters,
  encodeJ1939Name,
  encodeJ1939SessionStats,
  j1939Address,
  j1939NameBytes,
  j1939NameFromBytes,
  j1939Part,
  rawJ1939Filter,
  type J1939Filter,
} from '@rxsock/can';

const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const pgn = fc.integer({ min: 0, max: 0x3ffff });
const filter: fc.Arbitrary<J1939Filter> = fc.record(
  { name: u64, nameMask: u64, pgn, pgnMask: fc.nat(0xffffffff), addr: fc.nat(0xff), addrMask: fc.nat(0xff) },
  { requiredKeys: [] },
);
const isDecodeError = (e: unknown): boolean => (e as { code?: string }).code === 'ERR_RXSOCK_DECODE';

describe('j1939_filter', () => {
  it('lays out the fields at the header offsets, 32 bytes each, masks defaulting to "all bits" for given fields', () => {
    const bytes = encodeJ1939Filters([{ name: 0x1122334455667788n, pgn: 0x0fecA, addr: 0x80 }, {}], true);
    expect(bytes.length).toBe(64);
    const v = new DataView(bytes.buffer);
    expect([v.getBigUint64(0, true), v.getBigUint64(8, true), v.getUint32(16, true), v.getUint32(20, true), bytes[24], bytes[25]]).toEqual([0x1122334455667788n, 0xffffffffffffffffn, 0x0feca, 0x3ffff, 0x80, 0xff]);
    expect([...bytes.subarray(26, 32)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...bytes.subarray(32)].every((b) => b === 0)).toBe(true);
  });

  it('round trips any list of up to 512 filters in both byte orders', () => {
    fc.assert(
      fc.property(fc.array(filter, { maxLength: 20 }), fc.boolean(), (filters, le) => {
        expect(decodeJ1939Filters(encodeJ1939Filters(filters, le), le)).toEqual(filters.map(rawJ1939Filter));
      }),
    );
  });

  it('refuses out-of-range fields and 513 filters with EINVAL; arbitrary bytes decode or give ERR_RXSOCK_DECODE', () => {
    for (const bad of [{ pgn: 0x40000 }, { addr: 256 }, { name: -1n }, { addrMask: 1.5 }, { name: 1n << 64n }] as J1939Filter[]) {
      expect(() => encodeJ1939Filters([bad])).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => encodeJ1939Filters(Array.from({ length: 513 }, () => ({})))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(encodeJ1939Filters(Array.from({ length: 512 }, () => ({}))).length).toBe(512 * 32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          expect(decodeJ1939Filters(bytes).length).toBe(bytes.length / 32);
        } catch (e) {
          expect(isDecodeError(e)).toBe(true);
          expect(bytes.length % 32).not.toBe(0);
        }
      }),
    );
  });
});

describe('J1939 NAME', () => {
  const fields = fc.record({
    identityNumber: fc.nat(2 ** 21 - 1),
    manufacturerCode: fc.nat(2 ** 11 - 1),
    ecuInstance: fc.nat(7),
    functionInstance: fc.nat(31),
    function: fc.nat(255),
    vehicleSystem: fc.nat(127),
    vehicleSystemInstance: fc.nat(15),
    industryGroup: fc.nat(7),
    arbitraryAddressCapable: fc.boolean(),
  });

  it('round trips its fields, and its 8 bytes are little-endian as in Address Claimed', () => {
    fc.assert(fc.property(fields, (f) => {
      expect(decodeJ1939Name(encodeJ1939Name(f))).toEqual(f);
    }));
    fc.assert(fc.property(u64, (n) => {
      expect(j1939NameFromBytes(j1939NameBytes(n))).toBe(n);
    }));
    expect(j1939NameBytes(0x1122334455667788n)).toEqual(Uint8Array.of(0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11));
    expect(encodeJ1939Name({ identityNumber: 1, manufacturerCode: 2, ecuInstance: 0, functionInstance: 0, function: 0, vehicleSystem: 0, vehicleSystemInstance: 0, industryGroup: 0, arbitraryAddressCapable: true })).toBe((1n << 63n) | (2n << 21n) | 1n);
  });

  it('refuses a field that does not fit, and non-8-byte data, with typed errors', () => {
    expect(() => encodeJ1939Name({ identityNumber: 2 ** 21, manufacturerCode: 0, ecuInstance: 0, functionInstance: 0, function: 0, vehicleSystem: 0, vehicleSystemInstance: 0, industryGroup: 0, arbitraryAddressCapable: false })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }).filter((b) => b.length !== 8), (b) => {
      expect(() => j1939NameFromBytes(b)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
    }));
  });
});

const cm = (type: number, data: Uint8Array): ControlMessage => ({ level: SOL_CAN_J1939, type, data });
const le64 = (n: bigint): Uint8Array => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, n, true); return b; };

describe('J1939 receive control messages', () => {
  it('reads destination address, NAME and priority; without them: broadcast, no name, priority 0', () => {
    fc.assert(
      fc.property(fc.nat(0xff), u64, fc.nat(7), (da, dn, prio) => {
        const c = decodeJ1939Control([cm(J1939Scm.DEST_ADDR, Uint8Array.of(da)), cm(J1939Scm.DEST_NAME, le64(dn)), cm(J1939Scm.PRIO, Uint8Array.of(prio))]);
        expect([c.destAddr, c.destName, c.priority]).toEqual([da, dn, prio]);
      }),
    );
    expect(decodeJ1939Control([])).toMatchObject({ destAddr: J1939_NO_ADDR, destName: 0n, priority: 0 });
  });

  it('gives ERR_RXSOCK_DECODE, never another error, for arbitrary control messages', () => {
    const msg = fc.record({ level: fc.constantFrom(SOL_CAN_J1939, C.SOL_SOCKET, 0), type: fc.integer({ min: 0, max: 40 }), data: fc.uint8Array({ maxLength: 20 }) });
    fc.assert(
      fc.property(fc.array(msg, { maxLength: 5 }), (list) => {
        try {
          decodeJ1939Control(list);
        } catch (e) {
          expect(isDecodeError(e)).toBe(true);
        }
      }),
    );
  });
});

describe('J1939 error-queue entries', () => {
  const stats = fc.record(
    { bytesAcked: fc.nat(0xffffffff), totalSize: fc.nat(0xffffffff), pgn, srcName: u64, destName: u64, srcAddr: fc.nat(0xff), destAddr: fc.nat(0xff) },
    { requiredKeys: [] },
  );

  it('round trips the netlink attributes, and arbitrary bytes decode or give ERR_RXSOCK_DECODE', () => {
    fc.assert(fc.property(stats, (s) => {
      expect(decodeJ1939SessionStats(encodeJ1939SessionStats(s))).toEqual(s);
    }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeJ1939SessionStats(b);
        } catch (e) {
          expect(isDecodeError(e)).toBe(true);
        }
      }),
    );
  });

  it('tells a finished message (timestamping ACK) from an aborted one (J1939_EE_INFO_TX_ABORT with the session errno)', () => {
    const ee = (origin: number, info: number, errno: number, data: number): ControlMessage => cm(J1939Scm.ERRQUEUE, encodeSockExtendedErr({ errno, origin, type: 0, code: 0, info, data }));
    const done = decodeJ1939ErrQueue(encodeJ1939SessionStats({ bytesAcked: 1785 }), [ee(4, 2, 42, 7)]);
    expect(done).toEqual({ kind: 'tx-done', id: 7, errno: 42, code: '', bytesAcked: 1785 });
    const abort = decodeJ1939ErrQueue(encodeJ1939SessionStats({ bytesAcked: 14 }), [ee(1, 1, 113, 3)]);
    expect(abort).toMatchObject({ kind: 'tx-abort', id: 3, errno: 113, code: 'EHOSTUNREACH', bytesAcked: 14 });
    expect(decodeJ1939ErrQueue(new Uint8Array(0), [ee(1, 2, 42, 0)]).kind).toBe('rx-rts');
    expect(() => decodeJ1939ErrQueue(new Uint8Array(0), [])).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
    expect(() => decodeJ1939ErrQueue(new Uint8Array(0), [cm(J1939Scm.ERRQUEUE, new Uint8Array(15))])).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
  });

  it('decodes arbitrary entries or gives ERR_RXSOCK_DECODE, never another error', () => {
    const control = fc.record({ level: fc.constantFrom(SOL_CAN_J1939, C.SOL_SOCKET), type: fc.integer({ min: 0, max: 5 }), data: fc.uint8Array({ maxLength: 24 }) });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), fc.array(control, { maxLength: 3 }), (payload, list) => {
        try {
          const e = decodeJ1939ErrQueue(payload, list);
          expect(['tx-scheduled', 'tx-done', 'tx-abort', 'rx-rts', 'rx-dpo', 'rx-abort', 'unknown']).toContain(e.kind);
        } catch (err) {
          expect(isDecodeError(err)).toBe(true);
        }
      }),
    );
  });
});

describe('sockaddr_can j1939 form', () => {
  it('fills missing fields with the kernel\'s "none" values and refuses out-of-range ones', () => {
    expect(j1939Address(3).j1939).toEqual({ name: 0n, pgn: J1939_NO_PGN, addr: J1939_NO_ADDR });
    expect(J1939_NO_PGN).toBe(0x40000);
    for (const bad of [{ addr: 256 }, { pgn: 0x40001 }, { name: -1n }]) expect(() => j1939Address(1, bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('comes back exact from the registry\'s guessing decoder for every name, pgn and addr (pgn 0 and addr 0 included)', () => {
    fc.assert(
      fc.property(u64, fc.oneof(pgn, fc.constant(0)), fc.oneof(fc.nat(0xff), fc.constant(0)), fc.nat(1000), (name, p, addr, ifindex) => {
        const bytes = encodeCanAddress(j1939Address(ifindex, { name, pgn: p, addr }));
        expect(j1939Part(decodeCanAddress(bytes))).toEqual({ name, pgn: p, addr });
        expect(decodeCanAddress(bytes, 24, 'j1939').j1939).toEqual({ name, pgn: p, addr });
      }),
    );
  });
});
