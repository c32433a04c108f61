import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbIPv4Text, arbIPv6Text } from '@rxsock/testing';
import { C } from '../../src/index.js';
import {
  CMSG_LEN,
  CMSG_SPACE,
  cmsgAlign,
  cmsgLayouts,
  cmsgLen,
  cmsgSpace,
  decodeControl,
  decodeIn6Pktinfo,
  decodeInPktinfo,
  decodeRights,
  decodeTimespec,
  decodeUcred,
  decodeUint32,
  encodeControl,
  encodeTimespec,
  encodeUint32,
  inetNtop,
  inetPton,
  ipPktinfo,
  ipv6Pktinfo,
  scmCredentials,
  scmRights,
  type CmsgLayout,
  type ControlMessage,
} from '../../src/codec/index.js';
import { sys } from '../../src/sys/index.js';
import { hostIsLittleEndian } from '../../src/codec/byte-order.js';
import { codeOf, hasPython, python } from './python.js';

const layouts = Object.entries(cmsgLayouts) as Array<[string, CmsgLayout]>;

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const message: fc.Arbitrary<ControlMessage> = fc.record({
  level: fc.oneof(fc.constantFrom(C.SOL_SOCKET, C.IPPROTO_IP, C.IPPROTO_IPV6), int32),
  type: fc.oneof(fc.constantFrom(C.SCM_RIGHTS, C.IP_PKTINFO), int32),
  data: fc.uint8Array({ maxLength: 40 }),
});

describe.skipIf(!hasPython)('CMSG_LEN / CMSG_SPACE against CPython', () => {
  it('give the same values and refuse the same arguments', () => {
    const sizes = [...Array.from({ length: 300 }, (_, i) => i), 1000, 4096, 65536, 2 ** 31 - 25, 2 ** 31 - 24, 2 ** 31 - 17, 2 ** 31 - 16, 2 ** 31 - 1, -1];
    const theirs = python<Array<[number | null, number | null]>>(
      `import json, socket, sys
def call(f, n):
    try: return f(n)
    except OverflowError: return None
print(json.dumps([[call(socket.CMSG_LEN, n), call(socket.CMSG_SPACE, n)] for n in json.load(sys.stdin)]))`,
      sizes,
    );
    const call = (f: (n: number) => number, n: number): number | null => {
      const code = codeOf(() => f(n));
      if (code !== undefined) {
        expect(code).toBe('ERR_OUT_OF_RANGE');
        return null;
      }
      return f(n);
    };
    expect(sizes.map((n) => [call(CMSG_LEN, n), call(CMSG_SPACE, n)])).toEqual(theirs);
  });
});

describe('CMSG_* arithmetic', () => {
  it('matches the C macros for each layout', () => {
    expect([cmsgLen(0, cmsgLayouts.linux64), cmsgSpace(1, cmsgLayouts.linux64)]).toEqual([16, 24]);
    expect([cmsgLen(4, cmsgLayouts.darwin), cmsgSpace(1, cmsgLayouts.darwin)]).toEqual([16, 16]);
    expect([cmsgLen(0, cmsgLayouts.freebsd64), cmsgSpace(4, cmsgLayouts.freebsd64)]).toEqual([16, 24]);
    expect(cmsgAlign(13, cmsgLayouts.linux64)).toBe(16);
    expect(CMSG_LEN).toBe(cmsgLen);
    expect(CMSG_SPACE).toBe(cmsgSpace);
  });

  it('defaults to the running ABI', () => {
    expect(cmsgSpace(12)).toBe(cmsgSpace(12, sys().abi));
  });

  it('refuses non-integers', () => {
    expect(codeOf(() => cmsgLen(1.5))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => cmsgAlign(-1))).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('encodeControl / decodeControl', () => {
  it.each(layouts)('round-trip lists of messages, aligned, sized by CMSG_SPACE (%s)', (_, layout) => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), (messages) => {
        const bytes = encodeControl(messages, layout);
        expect(bytes.length).toBe(messages.reduce((n, m) => n + cmsgSpace(m.data.length, layout), 0));
        expect(decodeControl(bytes, bytes.length, layout)).toEqual(messages);
        let at = 0;
        const view = new DataView(bytes.buffer);
        for (const m of messages) {
          const len = layout.cmsghdrSize === 16 ? Number(view.getBigUint64(at, hostIsLittleEndian)) : view.getUint32(at, hostIsLittleEndian);
          expect(len).toBe(cmsgLen(m.data.length, layout));
          expect(at % layout.cmsgAlign).toBe(0);
          at += cmsgSpace(m.data.length, layout);
        }
      }),
    );
  });

  it.each(layouts)('accept a last message without its trailing padding, and ignore a partial header (%s)', (_, layout) => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: layout.cmsghdrSize - 1 }), (messages, extra) => {
        const bytes = encodeControl(messages, layout);
        const last = messages[messages.length - 1]!;
        const unpadded = bytes.length - cmsgSpace(last.data.length, layout) + cmsgLen(last.data.length, layout);
        expect(decodeControl(bytes, unpadded, layout)).toEqual(messages);
        const longer = new Uint8Array(bytes.length + extra);
        longer.set(bytes);
        expect(decodeControl(longer, longer.length, layout)).toEqual(messages);
      }),
    );
  });

  it('copies data out of the buffer, which receive paths reuse', () => {
    const bytes = encodeControl([scmRights([5])], cmsgLayouts.linux64);
    const [m] = decodeControl(bytes, bytes.length, cmsgLayouts.linux64);
    bytes.fill(0xff);
    expect(decodeRights(m!)).toEqual([5]);
  });

  it('malformed headers are ERR_RXSOCK_DECODE', () => {
    const l = cmsgLayouts.linux64;
    const header = (len: number): Uint8Array => {
      const b = new Uint8Array(32);
      new DataView(b.buffer).setBigUint64(0, BigInt(len), hostIsLittleEndian);
      return b;
    };
    expect(codeOf(() => decodeControl(header(0), 32, l))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeControl(header(15), 32, l))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeControl(header(33), 32, l))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeControl(header(20), 19, l))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeControl(header(2 ** 40), 32, l))).toBe('ERR_RXSOCK_DECODE');
    expect(codeOf(() => decodeControl(header(16), 33, l))).toBe('ERR_RXSOCK_DECODE');
    expect(decodeControl(header(16), 16, l)).toEqual([{ level: 0, type: 0, data: new Uint8Array(0) }]);
    expect(decodeControl(new Uint8Array(15), 15, l)).toEqual([]);
  });

  it.each(layouts)('arbitrary bytes decode or throw ERR_RXSOCK_DECODE, always terminating (%s)', (_, layout) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -1, max: 210 }), (bytes, length) => {
        const code = codeOf(() => decodeControl(bytes, length, layout));
        expect(code === undefined || code === 'ERR_RXSOCK_DECODE').toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Small lengths in the headers make long chains, where a bad step would loop or overrun.
    const chain = fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }).map((lens) => {
      const out = new Uint8Array(lens.length * 24);
      const view = new DataView(out.buffer);
      lens.forEach((len, i) => {
        if (layout.cmsghdrSize === 16) view.setBigUint64(i * 24, BigInt(len), hostIsLittleEndian);
        else view.setUint32(i * 24, len, hostIsLittleEndian);
      });
      return out;
    });
    fc.assert(
      fc.property(chain, (bytes) => {
        const code = codeOf(() => decodeControl(bytes, bytes.length, layout));
        expect(code === undefined || code === 'ERR_RXSOCK_DECODE').toBe(true);
      }),
    );
  });

  it('refuses bad messages with EINVAL', () => {
    expect(codeOf(() => encodeControl([{ level: 2 ** 31, type: 0, data: new Uint8Array() }]))).toBe('EINVAL');
    expect(codeOf(() => encodeControl([{ level: 0, type: 0, data: [1, 2] as unknown as Uint8Array }]))).toBe('EINVAL');
  });
});

describe('typed payloads', () => {
  const fd = fc.integer({ min: 0, max: 0x7fffffff });
  const u32 = fc.integer({ min: 0, max: 0xffffffff });

  it('SCM_RIGHTS', () => {
    fc.assert(
      fc.property(fc.array(fd, { maxLength: 16 }), (fds) => {
        const m = scmRights(fds);
        expect([m.level, m.type]).toEqual([C.SOL_SOCKET, C.SCM_RIGHTS]);
        const bytes = encodeControl([m]);
        const [back] = decodeControl(bytes, bytes.length);
        expect(decodeRights(back!)).toEqual(fds);
      }),
    );
    expect(decodeRights(Uint8Array.of(1, 0, 0, 0, 9))).toHaveLength(1);
    expect(codeOf(() => scmRights([-1]))).toBe('EINVAL');
    expect(codeOf(() => decodeRights(scmCredentials({ pid: 1, uid: 0, gid: 0 })))).toBe('ERR_RXSOCK_DECODE');
  });

  it('SCM_CREDENTIALS', () => {
    fc.assert(
      fc.property(int32, u32, u32, (pid, uid, gid) => {
        expect(decodeUcred(scmCredentials({ pid, uid, gid }))).toEqual({ pid, uid, gid });
      }),
    );
    expect(codeOf(() => decodeUcred(new Uint8Array(11)))).toBe('ERR_RXSOCK_DECODE');
  });

  it('IP_PKTINFO', () => {
    fc.assert(
      fc.property(int32, arbIPv4Text(), arbIPv4Text(), (ifindex, localAddress, destination) => {
        const m = ipPktinfo({ ifindex, localAddress, destination });
        expect([m.level, m.type, m.data.length]).toEqual([C.IPPROTO_IP, C.IP_PKTINFO, 12]);
        expect(decodeInPktinfo(m)).toEqual({ ifindex, localAddress, destination });
      }),
    );
    expect(decodeInPktinfo(ipPktinfo({ ifindex: 2 }))).toEqual({ ifindex: 2, localAddress: '0.0.0.0', destination: '0.0.0.0' });
    expect(codeOf(() => ipPktinfo({ localAddress: '::1' }))).toBe('EINVAL');
    expect(codeOf(() => decodeInPktinfo(ipv6Pktinfo({})))).toBe('ERR_RXSOCK_DECODE');
  });

  it('IPV6_PKTINFO', () => {
    fc.assert(
      fc.property(u32, arbIPv6Text(), (ifindex, text) => {
        const m = ipv6Pktinfo({ ifindex, address: text });
        expect([m.level, m.type, m.data.length]).toEqual([C.IPPROTO_IPV6, C.IPV6_PKTINFO, 20]);
        expect(decodeIn6Pktinfo(m)).toEqual({ ifindex, address: inetNtop('inet6', inetPton('inet6', text)) });
      }),
    );
  });

  it('timespec (SCM_TIMESTAMPNS), 16- and 8-byte forms', () => {
    const seconds = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });
    fc.assert(
      fc.property(seconds, fc.integer({ min: 0, max: 999_999_999 }), (s, ns) => {
        const t = decodeTimespec(encodeTimespec({ seconds: s, nanoseconds: ns }));
        expect(t).toEqual({ seconds: s, nanoseconds: ns, totalNanoseconds: BigInt(s) * 1_000_000_000n + BigInt(ns) });
      }),
    );
    const short = new Uint8Array(8);
    new DataView(short.buffer).setInt32(0, 7, hostIsLittleEndian);
    new DataView(short.buffer).setInt32(4, 9, hostIsLittleEndian);
    expect(decodeTimespec(short)).toEqual({ seconds: 7, nanoseconds: 9, totalNanoseconds: 7_000_000_009n });
    expect(codeOf(() => decodeTimespec(new Uint8Array(12)))).toBe('ERR_RXSOCK_DECODE');
  });

  it('u32 counter (SO_RXQ_OVFL)', () => {
    fc.assert(fc.property(u32, (n) => void expect(decodeUint32({ level: C.SOL_SOCKET, type: C.SO_RXQ_OVFL, data: encodeUint32(n) })).toBe(n)));
    expect(codeOf(() => decodeUint32(new Uint8Array(3)))).toBe('ERR_RXSOCK_DECODE');
  });

  it('decoders throw nothing but ERR_RXSOCK_DECODE on arbitrary payloads', () => {
    const decoders = [decodeRights, decodeUcred, decodeInPktinfo, decodeIn6Pktinfo, decodeTimespec, decodeUint32];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (data) => {
        for (const d of decoders) expect([undefined, 'ERR_RXSOCK_DECODE']).toContain(codeOf(() => d(data)));
      }),
    );
  });
});
