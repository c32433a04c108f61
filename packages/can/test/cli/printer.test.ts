import { describe, expect, it } from 'vitest';
import { canErrorFrame, canFdFrame, canFrame, type CanFrame } from '@rxsock/can';
import { CandumpPrinter, candumpLogFileName, dropCountLine } from '../../src/cli/candump-printer.js';
import { formatErrorText, formatLongFrame } from '../../src/cli/long-format.js';

const rx = (frame: CanFrame, sec = 1436509053, nsec = 249713000, name = 'vcan0', local = false) => ({
  ...frame,
  interfaceName: name,
  timestampSec: sec,
  timestampNsec: nsec,
  local,
});

describe("candump's long layout", () => {
  it('lays out classic, extended, FD and RTR frames as can-utils 2020.11', () => {
    expect(formatLongFrame(canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] }))).toBe('123   [4]  DE AD BE EF');
    expect(formatLongFrame(canFrame({ id: 0x123, data: [1] }), { indentSff: true })).toBe('     123   [1]  01');
    expect(formatLongFrame(canFrame({ id: 0x12345678, extended: true, data: [] }))).toBe('12345678   [0] ');
    expect(formatLongFrame(canFrame({ id: 0x123, rtr: true, len: 3 }))).toBe('123   [3]  remote request');
    expect(formatLongFrame(canFdFrame({ id: 0x123, data: new Uint8Array(12) }))).toBe('123  [12]  00 00 00 00 00 00 00 00 00 00 00 00');
    expect(formatLongFrame(canFrame({ id: 0x123, data: [0x41, 0x0a] }), { ascii: true })).toBe(`123   [2]  41 0A${' '.repeat(3 * 6 + 3)}'A.'`);
    expect(formatLongFrame(canFrame({ id: 0x123, data: [0x41, 0x42] }), { swap: true, ascii: true })).toBe(`123   [2]  42\`41${' '.repeat(3 * 6 + 3)}\`BA\``);
    expect(formatLongFrame(canFrame({ id: 0x1, data: [0x81] }), { binary: true })).toBe('001   [1]  10000001');
  });

  it('marks error frames and describes them for -e', () => {
    const f = canErrorFrame({ controller: { rxWarning: true } } as never);
    expect(formatLongFrame(f)).toMatch(/^20000004   \[8\]  00 04 00 00 00 00 00 00   ERRORFRAME$/);
    expect(formatErrorText(f, '\n\t')).toBe('controller-problem{rx-error-warning}');
    const multi = canFrame({ id: 0x2 | 0x8 | 0x40, error: true, data: [5, 0, 0x02, 0x08, 0, 0, 9, 10] });
    expect(formatErrorText(multi, ',')).toBe('lost-arbitration{at bit 5},protocol-violation{{frame-format-error}{crc-sequence}},bus-off,error-counter-tx-rx{{9}{10}}');
  });
});

describe('candump output lines', () => {
  const f = canFrame({ id: 0x123, data: [0xde, 0xad, 0xbe, 0xef] });

  it('prints the default, -ta, -td/-tz, -x and -L forms', () => {
    expect(new CandumpPrinter({ nameWidth: 5 }).format(rx(f))).toBe('  vcan0  123   [4]  DE AD BE EF\n');
    expect(new CandumpPrinter({ nameWidth: 5, timestamp: 'a' }).format(rx(f))).toBe(' (1436509053.249713)  vcan0  123   [4]  DE AD BE EF\n');
    const d = new CandumpPrinter({ nameWidth: 5, timestamp: 'd' });
    expect(d.format(rx(f, 100, 900_000_000))).toBe(' (000.000000)  vcan0  123   [4]  DE AD BE EF\n');
    expect(d.format(rx(f, 101, 100_000_000))).toBe(' (000.200000)  vcan0  123   [4]  DE AD BE EF\n');
    expect(d.format(rx(f, 101, 300_000_000))).toBe(' (000.200000)  vcan0  123   [4]  DE AD BE EF\n');
    const z = new CandumpPrinter({ nameWidth: 5, timestamp: 'z' });
    z.format(rx(f, 100, 0));
    expect(z.format(rx(f, 112, 5000))).toBe(' (012.000005)  vcan0  123   [4]  DE AD BE EF\n');
    expect(new CandumpPrinter({ nameWidth: 5, extraInfo: true }).format(rx(canFdFrame({ id: 1, brs: true, data: [1] }), 1, 0, 'vcan0', true))).toBe(
      '  vcan0  TX B -  001  [01]  01\n',
    );
    expect(new CandumpPrinter({ nameWidth: 6, logFormat: true }).format(rx(f))).toBe('(1436509053.249713)  vcan0 123#DEADBEEF\n');
    expect(new CandumpPrinter({ nameWidth: 3, logFormat: true, extraInfo: true }).format(rx(f))).toBe('(1436509053.249713) vcan0 123#DEADBEEF R\n');
    const A = new CandumpPrinter({ nameWidth: 5, timestamp: 'A', utcOffsetMinutes: () => 60 });
    expect(A.format(rx(f, 0, 5000))).toBe(' (1970-01-01 01:00:00.000005)  vcan0  123   [4]  DE AD BE EF\n');
  });

  it('indents standard ids once it has seen an extended one, and prints -e text under error frames', () => {
    const p = new CandumpPrinter({ nameWidth: 5, errorText: true });
    expect(p.format(rx(f))).toBe('  vcan0  123   [4]  DE AD BE EF\n');
    p.format(rx(canFrame({ id: 0x1234, extended: true, data: [] })));
    expect(p.format(rx(f))).toBe('  vcan0       123   [4]  DE AD BE EF\n');
    const err = canFrame({ id: 0x40, error: true, data: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(p.format(rx(err))).toBe('  vcan0  20000040   [8]  00 00 00 00 00 00 00 00   ERRORFRAME\n\tbus-off\n');
  });

  it('words drop counts and log names as candump', () => {
    expect(dropCountLine(1, 'vcan0', 1)).toBe("DROPCOUNT: dropped 1 CAN frame on 'vcan0' socket (total drops 1)\n");
    expect(dropCountLine(3, 'vcan0', 7)).toBe("DROPCOUNT: dropped 3 CAN frames on 'vcan0' socket (total drops 7)\n");
    expect(candumpLogFileName(new Date(2026, 11, 3, 4, 5, 6))).toBe('candump-2026-12-03_040506.log');
  });
});
