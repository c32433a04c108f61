import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureDecoder,
  CaptureFileError,
  CaptureFileErrorCode,
  PcapEncoder,
  parseCapture,
  type CapturePacket,
} from '../../../src/index.js';
import { concat, dataArb, decodeSplit, hex, splitArb } from './arbitraries.js';

const NS = 1_000_000_000n;

const packetArb = fc.record({
  timestamp: fc.bigInt({ min: 0n, max: 0xffffffffn * NS + NS - 1n }),
  data: dataArb,
  extra: fc.nat({ max: 2000 }),
});

describe('pcap', () => {
  it('round trips any packets, both byte orders and timestamp units, under any chunking', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 300 }),
        fc.array(packetArb, { maxLength: 12 }),
        splitArb,
        fc.boolean(),
        (littleEndian, nanosecond, linkType, snapLen, packets, split, usePush) => {
          const enc = new PcapEncoder({ littleEndian, nanosecond, linkType, snapLen });
          const bytes = concat([enc.header(), ...packets.map((p) => enc.packet({ ...p, originalLength: p.data.length + p.extra }))]);
          const { records, code } = decodeSplit(bytes, split, {}, usePush);
          expect(code).toBeUndefined();
          expect(records.map((r) => r.type)).toEqual(['section', 'interface', ...packets.map(() => 'packet')]);
          const [section, iface] = records;
          expect(section).toMatchObject({ format: 'pcap', littleEndian, majorVersion: 2, minorVersion: 4 });
          expect(iface).toMatchObject({ linkType, snapLen, tsResolution: { base: 10, exponent: nanosecond ? 9 : 6 } });
          packets.forEach((p, i) => {
            const r = records[i + 2] as CapturePacket;
            const kept = snapLen === 0 ? p.data : p.data.subarray(0, snapLen);
            expect(hex(r.data)).toBe(hex(kept));
            expect(r.originalLength).toBe(p.data.length + p.extra);
            // Microsecond files keep whole microseconds: the time is rounded down.
            expect(r.timestamp).toBe(nanosecond ? p.timestamp : (p.timestamp / 1000n) * 1000n);
            expect(r.linkType).toBe(linkType);
          });
          // Decoded records encode back to the same bytes.
          const again = new PcapEncoder({ littleEndian });
          expect(hex(concat(records.map((r) => again.encode(r))))).toBe(hex(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the header fields at the offsets libpcap writes them', () => {
    const enc = new PcapEncoder({ littleEndian: false, nanosecond: false, linkType: 227, snapLen: 72 });
    expect(hex(enc.header())).toBe('a1b2c3d4' + '0002' + '0004' + '00000000' + '00000000' + '00000048' + '000000e3');
    const rec = enc.packet({ timestamp: 1_436_509_053_249_713_000n, data: Uint8Array.of(1, 2, 3), originalLength: 16 });
    expect(hex(rec)).toBe('559f637d' + '0003cf71' + '00000003' + '00000010' + '010203');
    const le = new PcapEncoder({ littleEndian: true, linkType: 1 });
    expect(hex(le.header()).slice(0, 8)).toBe('4d3cb2a1');
  });

  it('records an FCS length in the link type field', () => {
    const enc = new PcapEncoder({ linkType: 1, fcsLength: 4 });
    const [, iface] = parseCapture(enc.header());
    expect(iface).toMatchObject({ linkType: 1, fcsLength: 4 });
  });

  it('gives typed errors for bad headers and truncated records', () => {
    const enc = new PcapEncoder({ linkType: 1 });
    const good = concat([enc.header(), enc.packet({ timestamp: 5n, data: new Uint8Array(10) })]);
    const codeOf = (bytes: Uint8Array): string | undefined => {
      try {
        parseCapture(bytes);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(CaptureFileError);
        return (err as CaptureFileError).code;
      }
    };
    expect(codeOf(good)).toBeUndefined();
    expect(codeOf(good.subarray(0, good.length - 1))).toBe(CaptureFileErrorCode.TRUNCATED);
    expect(codeOf(good.subarray(0, 30))).toBe(CaptureFileErrorCode.TRUNCATED);
    expect(codeOf(good.subarray(0, 10))).toBe(CaptureFileErrorCode.TRUNCATED);
    expect(codeOf(new Uint8Array(0))).toBe(CaptureFileErrorCode.TRUNCATED);
    const badMagic = good.slice();
    badMagic[0] = 0;
    expect(codeOf(badMagic)).toBe(CaptureFileErrorCode.DECODE);
    const badVersion = good.slice();
    badVersion[4] = 9;
    expect(codeOf(badVersion)).toBe(CaptureFileErrorCode.DECODE);
    const huge = good.slice();
    huge.set([0xff, 0xff, 0xff, 0x7f], 24 + 8); // caplen 2 GiB
    expect(codeOf(huge)).toBe(CaptureFileErrorCode.TOO_LARGE);
    try {
      parseCapture(huge);
    } catch (err) {
      expect((err as CaptureFileError).offset).toBe(24);
      expect((err as Error).message).toMatch(/exceeds maxRecordSize/);
    }
  });

  it('refuses records pcap cannot carry', () => {
    const enc = new PcapEncoder({ linkType: 1 });
    enc.header();
    const refuse = (f: () => unknown) => expect(f).toThrow(expect.objectContaining({ code: CaptureFileErrorCode.INVALID }));
    refuse(() => enc.packet({ timestamp: -1n, data: new Uint8Array(1) }));
    refuse(() => enc.packet({ timestamp: 0x100000000n * NS, data: new Uint8Array(1) }));
    refuse(() => enc.packet({ timestamp: 0n, data: new Uint8Array(4), originalLength: 3 }));
    refuse(() => enc.packet({ timestamp: 0n, data: new Uint8Array(4), interfaceId: 1 }));
    refuse(() => enc.header());
    refuse(() => new PcapEncoder().packet({ timestamp: 0n, data: new Uint8Array(1) }));
    refuse(() => new PcapEncoder({ linkType: 1, fcsLength: 3 }));
  });
});

describe('CaptureDecoder', () => {
  const enc = new PcapEncoder({ linkType: 1 });
  const file = concat([enc.header(), enc.packet({ timestamp: 1n, data: Uint8Array.of(1) }), enc.packet({ timestamp: 2n, data: Uint8Array.of(2) })]);

  it('accepts only the format it is told, and reports what it detected', () => {
    const d = new CaptureDecoder({ format: 'pcapng' });
    expect(() => d.push(file)).toThrow(expect.objectContaining({ code: CaptureFileErrorCode.DECODE, message: expect.stringMatching(/pcap file where pcapng/) }));
    const ok = new CaptureDecoder({ format: 'pcap' });
    expect(ok.format).toBeUndefined();
    expect(ok.push(file).map((r) => r.type)).toEqual(['section', 'interface', 'packet', 'packet']);
    expect(ok.format).toBe('pcap');
    expect(ok.offset).toBe(file.length);
  });

  it('push() returns the records a chunk completed before it failed, then throws the error; reset() starts over', () => {
    const bad = concat([file, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0)]);
    const d = new CaptureDecoder({ maxRecordSize: 1024 });
    expect(d.push(bad).length).toBe(4);
    expect(() => d.push(new Uint8Array(0))).toThrow(expect.objectContaining({ code: CaptureFileErrorCode.TOO_LARGE, offset: file.length }));
    expect(() => d.end()).toThrow(expect.objectContaining({ code: CaptureFileErrorCode.TOO_LARGE }));
    d.reset();
    expect(d.push(file).length).toBe(4);
    d.end();
  });

  it('refuses a maxRecordSize that cannot hold a pcap header', () => {
    expect(() => new CaptureDecoder({ maxRecordSize: 10 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
