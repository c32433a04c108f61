import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getopt, strtoul32 } from '../../src/cli/getopt.js';
import { parseCandumpArgs } from '../../src/cli/candump-args.js';
import { parseCansendArgs } from '../../src/cli/cansend-args.js';
import { cangenFrames, parseCangenArgs, type CangenOptions } from '../../src/cli/cangen-args.js';
import { parseCanplayerArgs } from '../../src/cli/canplayer-args.js';
import { formatCanFrameText } from '@rxsock/can';

function ok<T>(r: { ok: true; value: T } | { ok: false; stderr: string }): T {
  if (!r.ok) throw new Error(`expected a run, got exit: ${r.stderr}`);
  return r.value;
}

describe("getopt (glibc's rules)", () => {
  it('bundles, attaches arguments, permutes operands, stops at --', () => {
    const r = getopt(['vcan0', '-Ln5', '-t', 'a', '--', '-x'], 't:Ln:x', 'candump');
    expect(r.options).toEqual([{ opt: 'L' }, { opt: 'n', arg: '5' }, { opt: 't', arg: 'a' }]);
    expect(r.operands).toEqual(['vcan0', '-x']);
  });
  it("reports glibc's messages", () => {
    expect(getopt(['-q'], 'n:', 'candump').error).toBe("candump: invalid option -- 'q'");
    expect(getopt(['-n'], 'n:', 'candump').error).toBe("candump: option requires an argument -- 'n'");
  });
  it('strtoul truncates to 32 bits and saturates like C', () => {
    expect(strtoul32('7FF', 16)).toEqual({ value: 0x7ff, end: 3 });
    expect(strtoul32('0x1F', 16).value).toBe(0x1f);
    expect(strtoul32('123456789', 16).value).toBe(0x23456789);
    expect(strtoul32('-1', 16).value).toBe(0xffffffff);
    expect(strtoul32('zz', 16)).toEqual({ value: 0, end: 0 });
  });
  it('never throws on any argument list (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }), (args) => {
        for (const parse of [parseCandumpArgs, parseCansendArgs, parseCangenArgs, parseCanplayerArgs]) {
          const r = parse(args);
          if (!r.ok) {
            expect(typeof r.exitCode).toBe('number');
            expect(r.stderr + r.stdout).not.toMatch(/at .*\.ts:\d+/); // no stack traces
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('candump arguments', () => {
  it('reads interfaces with filter sets, inverted filters, error masks and join', () => {
    const o = ok(parseCandumpArgs(['-L', 'vcan0,123:7FF,12345678:1FFFFFFF,400~7F0,#FFFFFFFF,j', 'any']));
    expect(o.logFormat).toBe(true);
    expect(o.interfaces).toHaveLength(2);
    const [v, any] = o.interfaces;
    expect(v!.name).toBe('vcan0');
    expect(v!.filters).toEqual([
      { id: 0x123, mask: 0x7ff },
      { id: 0x12345678, mask: 0x1fffffff },
      { id: 0x400, mask: 0x7f0, inverted: true },
    ]);
    expect(v!.errorMask).toBe(0xffffffff);
    expect(v!.joinFilters).toBe(true);
    expect(any!.name).toBe('any');
    expect(any!.filters).toBeUndefined();
    expect(o.nameWidth).toBe(5);
  });

  it('keeps the flag bits a mask names (123:C00007FF: only SFF, non-RTR)', () => {
    const o = ok(parseCandumpArgs(['vcan2,123:C00007FF', 'vcan2,92345678:DFFFFFFF']));
    expect(o.interfaces[0]!.filters).toEqual([{ id: 0x123, mask: 0x7ff, extended: false, rtr: false }]);
    expect(o.interfaces[1]!.filters).toEqual([{ id: 0x12345678, mask: 0x1fffffff, extended: true, rtr: false }]);
  });

  it('exits as candump does on bad input', () => {
    const bad = parseCandumpArgs(['vcan0,12x']);
    expect(bad).toMatchObject({ ok: false, exitCode: 1, stderr: "Error in filter option parsing: '12x'\n" });
    const none = parseCandumpArgs([]);
    expect(none).toMatchObject({ ok: false, exitCode: 0 });
    expect(!none.ok && none.stderr).toContain('Usage: candump [options] <CAN interface>+');
    expect(parseCandumpArgs(['-n', '0', 'vcan0'])).toMatchObject({ ok: false, exitCode: 1 });
    expect(parseCandumpArgs(['-q', 'vcan0'])).toMatchObject({ ok: false, exitCode: 1 });
    expect(parseCandumpArgs(['-L', '-a', 'vcan0'])).toMatchObject({ ok: false, exitCode: 0, stderr: 'Log file format selected: Please disable ASCII/BINARY/SWAP options!\n' });
    expect(parseCandumpArgs(['averyveryverylongname'])).toMatchObject({ ok: false, exitCode: 1, stderr: "name of CAN device 'averyveryverylongname' is too long!\n" });
    const many = Array.from({ length: 17 }, () => 'vcan0');
    expect(parseCandumpArgs(many)).toMatchObject({ ok: false, exitCode: 1, stderr: 'More than 16 CAN devices given on commandline!\n' });
  });

  it('warns about an unknown -t and silences stdout for -l', () => {
    const r = parseCandumpArgs(['-t', 'q', '-l', 'vcan0']);
    expect(r.ok).toBe(true);
    expect(r.stderr).toBe("candump: unknown timestamp mode 'q' - ignored\nDisabled standard output while logging.\n");
    expect(ok(r).silent).toBe(2);
    expect(ok(parseCandumpArgs(['-tA', '-n', '3', '-x', '-d', '-e', 'vcan0']))).toMatchObject({ timestamp: 'A', count: 3, extraInfo: true, dropMonitor: true, errorText: true });
  });
});

describe('cansend arguments', () => {
  it('takes a device and a frame string', () => {
    expect(formatCanFrameText(ok(parseCansendArgs(['vcan0', '123#DEADBEEF'])).frame)).toBe('123#DEADBEEF');
    expect(formatCanFrameText(ok(parseCansendArgs(['vcan0', '123##1.11.22'])).frame)).toBe('123##51122');
    expect(formatCanFrameText(ok(parseCansendArgs(['vcan0', '1F334455#R'])).frame)).toBe('1F334455#R');
  });
  it('prints the usage and exits 1 for a bad frame or argument count', () => {
    const r = parseCansendArgs(['vcan0', '123#XYZ']);
    expect(r).toMatchObject({ ok: false, exitCode: 1 });
    expect(!r.ok && r.stderr.startsWith('\nWrong CAN-frame format!\n\ncansend - send CAN-frames via CAN_RAW sockets.')).toBe(true);
    expect(parseCansendArgs(['vcan0'])).toMatchObject({ ok: false, exitCode: 1 });
  });
});

describe('cangen', () => {
  const take = (o: CangenOptions, n: number) => {
    const out: string[] = [];
    for (const f of cangenFrames(o)) {
      out.push(formatCanFrameText(f));
      if (out.length === n) break;
    }
    return out;
  };

  it('increments id, length and data as cangen does', () => {
    const o = ok(parseCangenArgs(['vcan0', '-I', 'i', '-L', 'i', '-D', 'i', '-g', '0', '-n', '12']));
    expect(o.count).toBe(12);
    expect(o.gapMs).toBe(0);
    expect(take(o, 11)).toEqual([
      '000#00', '001#01', '002#0200', '003#030000', '004#04000000', '005#0500000000', '006#060000000000', '007#07000000000000', '008#0800000000000000', '009#09', '00A#0A',
    ]);
  });

  it('rounds FD lengths and walks FD DLCs, fixed id and data', () => {
    const o = ok(parseCangenArgs(['-f', '-b', '-I', '42A', '-L', 'i', '-D', '11223344DEADBEEF', 'vcan0']));
    const frames = take(o, 11);
    expect(frames[0]).toBe('42A##5');
    expect(frames[1]).toBe('42A##511');
    expect(frames[9]).toBe('42A##511223344DEADBEEF00000000');
    expect(frames[10]).toBe('42A##511223344DEADBEEF0000000000000000');
    // a classic length over 8 is cut to 8; extended ids keep 8 digits
    expect(take(ok(parseCangenArgs(['-e', '-I', '1ABCDEF0', '-L', '9', 'vcan0'])), 1)[0]).toMatch(/^1ABCDEF0#[0-9A-F]{16}$/);
  });

  it('sends RTR frames with -R and random frames by default', () => {
    expect(take(ok(parseCangenArgs(['-R', '-I', '123', '-L', '4', 'vcan0'])), 2)).toEqual(['123#R4', '123#R4']);
    const random = take(ok(parseCangenArgs(['vcan0'])), 50);
    expect(new Set(random).size).toBeGreaterThan(40);
    for (const f of random) expect(f).toMatch(/^[0-7][0-9A-F]{2}#([0-9A-F]{2}){0,8}$/);
  });

  it('exits with cangen’s messages', () => {
    expect(parseCangenArgs(['-I', '800', 'vcan0'])).toMatchObject({ ok: false, exitCode: 1, stdout: "The given CAN-ID is greater than 0x7FF and the '-e' option is not set.\n" });
    expect(parseCangenArgs(['-D', '123', 'vcan0'])).toMatchObject({ ok: false, exitCode: 1, stdout: 'wrong fix data definition\n' });
    expect(parseCangenArgs([])).toMatchObject({ ok: false, exitCode: 1 });
    expect(parseCangenArgs(['-n', '0', 'vcan0'])).toMatchObject({ ok: false, exitCode: 1 });
  });
});

describe('canplayer arguments', () => {
  it('reads the file, loops and assignments', () => {
    const o = ok(parseCanplayerArgs(['-I', 'x.log', '-l', 'i', '-t', 'vcan1=vcan0', 'stdout=can3']));
    expect(o).toMatchObject({ inputFile: 'x.log', loops: true, useTimestamps: false });
    expect([...o.assignments]).toEqual([
      ['vcan0', 'vcan1'],
      ['can3', 'stdout'],
    ]);
    // stdin plays once whatever -l says
    expect(ok(parseCanplayerArgs(['-l', '3'])).loops).toBe(1);
  });
  it('refuses assignments without = and bad -l', () => {
    expect(parseCanplayerArgs(['vcan1'])).toMatchObject({ ok: false, exitCode: 1 });
    expect(parseCanplayerArgs(['-I', 'x', '-l', 'zz'])).toMatchObject({ ok: false, exitCode: 1, stderr: 'Invalid argument for option -l !\n' });
  });
});
