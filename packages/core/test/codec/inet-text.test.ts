import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIPv4Text, arbIPv6Text } from '@rxsock/testing';
import { C, SocketError } from '../../src/index.js';
import { inetAton, inetNtoa, inetNtop, inetPton, ipFamily, isIPv4, isIPv6 } from '../../src/codec/index.js';
import { hasPython, python } from './python.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const bytes4 = fc.uint8Array({ minLength: 4, maxLength: 4 });

/** Strings over the characters IP text is made of, so that near misses are common. */
const ipish = (alphabet: string, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), maxLength });

function expectEinval(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SocketError);
    expect((e as SocketError).code).toBe('EINVAL');
    return;
  }
  throw new Error('expected EINVAL');
}

describe('inetPton / inetNtop', () => {
  it('round-trip every 4- and 16-byte value', () => {
    fc.assert(fc.property(bytes4, (b) => void expect(inetPton('inet', inetNtop('inet', b))).toEqual(b)));
    fc.assert(fc.property(bytes16, (b) => void expect(inetPton('inet6', inetNtop('inet6', b))).toEqual(b)), { numRuns: 500 });
  });

  it('accept every valid spelling, and print one canonical form for it', () => {
    fc.assert(
      fc.property(arbIPv6Text(), (text) => {
        const b = inetPton('inet6', text);
        const canonical = inetNtop('inet6', b);
        expect(inetNtop('inet6', inetPton('inet6', canonical))).toBe(canonical);
        expect(canonical).toBe(canonical.toLowerCase());
      }),
      { numRuns: 1000 },
    );
  });

  it('take family numbers as well as names', () => {
    expect(inetPton(C.AF_INET, '10.0.0.1')).toEqual(Uint8Array.of(10, 0, 0, 1));
    expect(inetNtop(C.AF_INET6, inetPton(C.AF_INET6, '::1'))).toBe('::1');
    expectEinval(() => inetPton(C.AF_UNIX, '::1'));
  });

  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ])('%s prints as %s', (text, canonical) => {
    expect(inetNtop('inet6', inetPton('inet6', text))).toBe(canonical);
  });

  it.each(['', ':', ':::', '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1:', ':1::',
    '1.2.3.4', '::1.2.3', '::01.2.3.4', '::1.2.3.256', 'fe80::1%1', ' ::1', '::1 ', 'g::', '1:2:3:4:5:6:7:1.2.3.4'])(
    'inetPton(inet6, %j) is EINVAL',
    (text) => expectEinval(() => inetPton('inet6', text)),
  );

  it.each(['', '1.2.3', '1.2.3.4.', '01.2.3.4', '1.2.3.256', '0x1.2.3.4', '1.2.3.4 ', '127.1', '1..2.3'])(
    'inetPton(inet, %j) is EINVAL',
    (text) => expectEinval(() => inetPton('inet', text)),
  );

  it('refuses wrongly sized bytes', () => {
    expectEinval(() => inetNtop('inet', new Uint8Array(16)));
    expectEinval(() => inetNtop('inet6', new Uint8Array(4)));
  });

  it('agree with node:net isIPv4/isIPv6 on near-miss strings', () => {
    fc.assert(
      fc.property(fc.oneof(ipish('0123456789.', 17), arbIPv4Text()), (s) => {
        expect(isIPv4(s)).toBe(nodeIsIPv4(s));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(ipish('0123456789abcdefABCDEF:.', 45), ipish('01f:.', 20), arbIPv6Text()), (s) => {
        expect(isIPv6(s)).toBe(nodeIsIPv6(s));
      }),
      { numRuns: 3000 },
    );
    expect(ipFamily('1.2.3.4')).toBe('inet');
    expect(ipFamily('::')).toBe('inet6');
    expect(ipFamily('localhost')).toBeUndefined();
  });

  it("print the WHATWG URL parser's canonical IPv6 form (which never uses a dotted tail)", () => {
    fc.assert(
      fc.property(arbIPv6Text(), (text) => {
        const ours = inetNtop('inet6', inetPton('inet6', text));
        const url = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        if (ours.includes('.')) expect(inetPton('inet6', url)).toEqual(inetPton('inet6', ours));
        else expect(ours).toBe(url);
      }),
      { numRuns: 1000 },
    );
  });
});

describe.skipIf(!hasPython)('against CPython (glibc) on this host', () => {
  it('inet_ntop gives the same text for the same bytes', () => {
    const cases = [...fc.sample(arbIPv6Text({ canonical: true }), 400).map((t) => inetPton('inet6', t)), ...fc.sample(bytes16, 100)];
    const theirs = python<string[]>(
      `import json, socket, sys
print(json.dumps([socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h)) for h in json.load(sys.stdin)]))`,
      cases.map(hex),
    );
    expect(cases.map((b) => inetNtop('inet6', b))).toEqual(theirs);
  });

  it('inet_pton accepts and refuses the same strings, with the same bytes', () => {
    const v6 = [...fc.sample(arbIPv6Text(), 400), ...fc.sample(ipish('0123456789abcdefABCDEF:.', 45), 600), ...fc.sample(ipish('01f:.', 16), 600)];
    const v4 = [...fc.sample(arbIPv4Text(), 100), ...fc.sample(ipish('0123456789.', 17), 600)];
    const theirs = python<{ v4: Array<string | null>; v6: Array<string | null> }>(
      `import json, socket, sys
def pton(f, t):
    try: return socket.inet_pton(f, t).hex()
    except OSError: return None
d = json.load(sys.stdin)
print(json.dumps({'v4': [pton(socket.AF_INET, t) for t in d['v4']], 'v6': [pton(socket.AF_INET6, t) for t in d['v6']]}))`,
      { v4, v6 },
    );
    const ours = (family: 'inet' | 'inet6', t: string): string | null => {
      try {
        return hex(inetPton(family, t));
      } catch {
        return null;
      }
    };
    expect(v4.map((t) => ours('inet', t))).toEqual(theirs.v4);
    expect(v6.map((t) => ours('inet6', t))).toEqual(theirs.v6);
    // The random strings must include valid ones, or the comparison proves little.
    expect(theirs.v6.filter((x) => x !== null).length).toBeGreaterThan(400);
  });

  it('inet_aton accepts the same permissive forms, with the same bytes', () => {
    const forms = [
      ...fc.sample(fc.ipV4Extended(), 400),
      ...fc.sample(ipish('0123456789xXabcdefABCDEF. \t', 20), 800),
      ...fc.sample(ipish('0178x.', 12), 400),
      '127.1', '0x7f.1', '0177.0.0.1', '4294967295', '4294967296', '1.2.3.4 junk', '1.2.3.4\t', '0x', '08', '00',
      '1.2.65535', '1.2.65536', '1.16777215', '1.16777216', '0xffffffff', '0x100000000', '99999999999999999999999',
      '1.2.3.4.', ' 1.2.3.4', '1.2.3.4\u00a0', '1.2.3.4\u000b', '0X1.0xFF', '0x.1', '1.0x',
    ];
    const theirs = python<Array<string | null>>(
      `import json, socket, sys
def aton(t):
    try: return socket.inet_aton(t).hex()
    except OSError: return None
print(json.dumps([aton(t) for t in json.load(sys.stdin)]))`,
      forms,
    );
    const ours = forms.map((t) => {
      try {
        return hex(inetAton(t));
      } catch (e) {
        expect((e as SocketError).code).toBe('EINVAL');
        return null;
      }
    });
    expect(ours).toEqual(theirs);
  });
});

describe('inetAton / inetNtoa', () => {
  it.each([
    ['127.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['1.2.3', '1.2.0.3'],
    ['10.65535', '10.0.255.255'],
  ])('inetAton(%j) is %s', (text, dotted) => expect(inetNtoa(inetAton(text))).toBe(dotted));

  it('refuses embedded NULs like Python, and wrongly sized bytes', () => {
    expectEinval(() => inetAton('1.2.3.4\0'));
    expectEinval(() => inetNtoa(new Uint8Array(5)));
  });

  it('inetNtoa round-trips with inetAton and inetPton', () => {
    fc.assert(
      fc.property(bytes4, (b) => {
        expect(inetAton(inetNtoa(b))).toEqual(b);
        expect(inetPton('inet', inetNtoa(b))).toEqual(b);
      }),
    );
  });

  it('throws nothing but EINVAL on any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        for (const f of [() => inetAton(s), () => inetPton('inet', s), () => inetPton('inet6', s)]) {
          try {
            f();
          } catch (e) {
            expect((e as SocketError).code).toBe('EINVAL');
          }
        }
      }),
    );
  });
});
