// Arbitrary and corrupted bytes never crash a decoder: every failure is a CaptureFileError with a
// decode or framing code, and what it holds stays under maxRecordSize.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcapEncoder, PcapngEncoder } from '../../../src/index.js';
import { concat, decodeSplit, splitArb } from './arbitraries.js';

const pcapFile = (() => {
  const enc = new PcapEncoder({ linkType: 1, littleEndian: false });
  return concat([enc.header(), enc.packet({ timestamp: 1n, data: new Uint8Array(30).fill(7), originalLength: 60 })]);
})();

const pcapngFile = (() => {
  const enc = new PcapngEncoder({ littleEndian: true, section: { comments: ['c'], hardware: 'h' } });
  return concat([
    enc.section(),
    enc.interface({ linkType: 1, name: 'eth0', tsResolution: { base: 2, exponent: 20 }, tsOffset: 5n, filter: 'udp' }),
    enc.interface({ linkType: 227, snapLen: 16 }),
    enc.packet({ interfaceId: 1, timestamp: 10n ** 18n, data: new Uint8Array(16), flags: 2, comments: ['x'] }),
    enc.simplePacket({ data: new Uint8Array(12), originalLength: 12 }),
    enc.statistics({ interfaceId: 0, timestamp: 6n * 10n ** 9n, received: 3n, startTime: 5n * 10n ** 9n }),
    enc.rawBlock({ blockType: 4, body: new Uint8Array(8) }),
  ]);
})();

/** A pcap or pcapng magic at the front, so the bytes after it reach the record parsers. */
const prefixArb = fc.constantFrom(
  new Uint8Array(0),
  Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4),
  Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1),
  Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a),
  pcapFile.subarray(0, 24),
  pcapngFile.subarray(0, 40),
);

describe('capture decoders on hostile input', () => {
  it('arbitrary bytes give records or a typed error, never a crash', () => {
    fc.assert(
      fc.property(prefixArb, fc.uint8Array({ maxLength: 400 }), splitArb, fc.constantFrom(64, 1024, 1 << 24), (prefix, tail, split, max) => {
        decodeSplit(concat([prefix, tail]), split, { maxRecordSize: max, unknownBlocks: 'emit' });
      }),
      { numRuns: 1500 },
    );
  });

  it('valid files with bytes overwritten, cut or lengthened give records or a typed error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(pcapFile, pcapngFile),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        splitArb,
        (file, edits, cut, split) => {
          const bytes = file.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const result = decodeSplit(bytes.subarray(0, bytes.length - (cut % 8)), split, { maxRecordSize: 4096 });
          expect(result.records.length + (result.code ? 1 : 0)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
