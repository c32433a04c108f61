import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Readable, Writable } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CanLogError,
  CandumpLogDecoder,
  canFdFrame,
  canFrame,
  formatCandumpLine,
  parseCandumpLine,
  parseCandumpLog,
  readCandumpLog,
  writeCandumpLog,
  type CandumpLogEntry,
} from '@rxsock/can';
import { anyFrame, plain } from './frames.arb.js';

const entry = (frame: CandumpLogEntry['frame'], sec = 1436509053, nsec = 249713000, name = 'vcan0'): CandumpLogEntry => ({
  frame,
  interfaceName: name,
  timestampSec: sec,
  timestampNsec: nsec,
});

const arbEntry = fc.record({
  frame: anyFrame,
  interfaceName: fc.stringMatching(/^[a-z][a-z0-9_.-]{0,14}$/),
  timestampSec: fc.integer({ min: 0, max: 99_999_999_999 }),
  timestampNsec: fc.integer({ min: 0, max: 999_999_999 }),
});

describe('candump log lines', () => {
  it('writes what candump -L writes', () => {
    expect(formatCandumpLine(entry(canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] })))).toBe('(1436509053.249713) vcan0 123#DEADBEEF');
    expect(formatCandumpLine(entry(canFrame({ id: 1, data: [] }), 5, 7000))).toBe('(0000000005.000007) vcan0 001#');
    expect(formatCandumpLine(entry(canFdFrame({ id: 0x123, brs: true, data: new Uint8Array(12) })), { fractionDigits: 9 })).toBe(
      '(1436509053.249713000) vcan0 123##5000000000000000000000000',
    );
    // candump pads the name to the longest interface given on its command line, and -x marks T/R
    expect(formatCandumpLine({ ...entry(canFrame({ id: 2, data: [1] })), direction: 'T' }, { interfaceWidth: 6, direction: true })).toBe(
      '(1436509053.249713)  vcan0 002#01 T',
    );
  });

  it('reads comments as nothing, 6 and 9 digits, the -x marker and trailing text', () => {
    expect(parseCandumpLine('DROPCOUNT: dropped 3 CAN frames', 1)).toBeUndefined();
    expect(parseCandumpLine('', 1)).toBeUndefined();
    expect(parseCandumpLine('(1436509053.249713) vcan0 123#DEADBEEF', 1)).toMatchObject({ timestampSec: 1436509053, timestampNsec: 249713000, interfaceName: 'vcan0' });
    expect(parseCandumpLine('(1436509053.249713123) can1 123#R', 1)).toMatchObject({ timestampNsec: 249713123, interfaceName: 'can1' });
    expect(parseCandumpLine('(1.000001)  vcan0\t123#01 T', 1)?.direction).toBe('T');
    expect(parseCandumpLine('(1.000001) vcan0 123#01 R', 1)?.direction).toBe('R');
    expect(parseCandumpLine('(1.000001) vcan0 123#01 anything', 1)?.direction).toBeUndefined();
  });

  it('refuses bad lines with their line number', () => {
    for (const [line, why] of [
      ['(1436509053.2497) vcan0 123#00', '6 or 9'],
      ['(1436509053.249713 vcan0 123#00', ')'],
      ['(abc.249713) vcan0 123#00', 'SECONDS'],
      ['(1.249713) vcan0', 'interface name and a frame'],
      ['(1.249713) vcan0 123#0', 'hex'],
      ['(1.249713) averyveryverylongname 123#00', '15'],
    ] as const) {
      let error: unknown;
      try {
        parseCandumpLine(line, 42);
      } catch (e) {
        error = e;
      }
      expect(error, line).toBeInstanceOf(CanLogError);
      expect((error as CanLogError).lineNumber).toBe(42);
      expect((error as Error).message).toContain('line 42');
      expect((error as Error).message).toContain(why);
    }
  });

  it('round-trips entries through lines (property)', () => {
    fc.assert(
      fc.property(arbEntry, fc.constantFrom(6 as const, 9 as const), fc.boolean(), (e, digits, marked) => {
        const withDir = marked ? { ...e, direction: 'T' as const } : e;
        const line = formatCandumpLine(withDir, { fractionDigits: digits, direction: marked });
        const back = parseCandumpLine(line, 1)!;
        expect(plain(back.frame)).toEqual(plain(e.frame));
        expect(back.interfaceName).toBe(e.interfaceName);
        expect(back.timestampSec).toBe(e.timestampSec);
        expect(back.timestampNsec).toBe(digits === 9 ? e.timestampNsec : Math.floor(e.timestampNsec / 1000) * 1000);
        expect(back.direction).toBe(marked ? 'T' : undefined);
      }),
      { numRuns: 300 },
    );
  });

  it('gives an entry, nothing, or a typed error with the line number for any text (property)', () => {
    const unit = fc.constantFrom(...'()0123456789.ABCDEF#R vcan\t_'.split(''));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit, maxLength: 50 }).map((s) => `(${s}`)), { maxLength: 8 }), (lines) => {
        const decoder = new CandumpLogDecoder();
        let lineNo = 0;
        for (const l of lines) {
          const clean = l.replace(/[\r\n]/g, ' ');
          lineNo++;
          try {
            decoder.push(`${clean}\n`);
          } catch (e) {
            expect(e).toBeInstanceOf(CanLogError);
            expect((e as CanLogError).lineNumber).toBe(lineNo);
            // poisoned: the next push rethrows the same error
            expect(() => decoder.push('(1.000001) vcan0 123#00\n')).toThrow(e as Error);
            return;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('streaming', () => {
  const frames = Array.from({ length: 1000 }, (_, i) => entry(canFrame({ id: i & 0x7ff, data: [i & 0xff, i >> 8] }), 1000 + i, i * 1000));
  const text = frames.map((e) => formatCandumpLine(e) + '\n').join('');

  it('decodes lines split anywhere across chunks, CRLF included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), fc.boolean(), (sizes, crlf) => {
        const src = crlf ? text.replace(/\n/g, '\r\n') : text;
        const d = new CandumpLogDecoder();
        const out: CandumpLogEntry[] = [];
        let pos = 0;
        let k = 0;
        while (pos < src.length) {
          const n = sizes[k++ % sizes.length]!;
          out.push(...d.push(Buffer.from(src.slice(pos, pos + n), 'latin1')));
          pos += n;
        }
        out.push(...d.end());
        expect(out.length).toBe(1000);
        expect(out.map((e) => formatCandumpLine(e)).join('\n') + '\n').toBe(text);
      }),
      { numRuns: 30 },
    );
  });

  it('reads the last line without a newline, and reports a line over the limit with its number', () => {
    expect(parseCandumpLog('(1.000001) vcan0 123#00')).toHaveLength(1);
    const d = new CandumpLogDecoder({ maxLineLength: 64 });
    expect(d.push('(1.000001) vcan0 123#00\n# comment\n')).toHaveLength(1);
    let error: unknown;
    try {
      d.push('(1.000001) vcan0 ' + 'A'.repeat(200));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CanLogError);
    expect((error as CanLogError).lineNumber).toBe(3);
    // nothing of the long line was kept
    expect(d.linesRead).toBe(2);
  });

  it('reads a file and a chunk stream, and writes a file byte-identical to the lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-canlog-'));
    try {
      const path = join(dir, 'a.log');
      expect(await writeCandumpLog(frames, path)).toBe(1000);
      expect(readFileSync(path, 'latin1')).toBe(text);
      const back: CandumpLogEntry[] = [];
      for await (const e of readCandumpLog(path)) back.push(e);
      expect(back.map((e) => plain(e.frame))).toEqual(frames.map((e) => plain(e.frame)));
      const fromStream: CandumpLogEntry[] = [];
      for await (const e of readCandumpLog(Readable.from([Buffer.from(text.slice(0, 1234)), Buffer.from(text.slice(1234))]))) fromStream.push(e);
      expect(fromStream).toHaveLength(1000);
      writeFileSync(path, text + '(5.5) vcan0 123#00\n');
      let error: unknown;
      try {
        for await (const _ of readCandumpLog(path)) void _;
      } catch (e) {
        error = e;
      }
      expect((error as CanLogError).lineNumber).toBe(1001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits for a slow destination instead of buffering the whole log', async () => {
    let writes = 0;
    let maxPending = 0;
    let pending = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        writes++;
        pending += chunk.length;
        maxPending = Math.max(maxPending, pending);
        setTimeout(() => {
          pending -= chunk.length;
          cb();
        }, 1);
      },
    });
    function* many() {
      for (let i = 0; i < 20_000; i++) yield entry(canFrame({ id: 1, data: [1, 2, 3, 4, 5, 6, 7, 8] }), i, 0);
    }
    expect(await writeCandumpLog(many(), slow)).toBe(20_000);
    expect(writes).toBeGreaterThan(10);
    // one 16 KiB batch in flight at most, never the ~900 KB log
    expect(maxPending).toBeLessThan(64 * 1024);
  });
});
