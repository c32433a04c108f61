// ISO-TP option structures and the options planner, on any host: layouts at the offsets gcc gave
// for linux/can/isotp.h, round trips, and a typed EINVAL naming the option for every bad input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CAN_ISOTP_FRAME_TXTIME_ZERO, ISOTP_FD_TX_DL, IsotpFlag, decodeIsotpFcOptions, decodeIsotpLlOptions, decodeIsotpOptions, decodeStMin,
  encodeIsotpFcOptions, encodeIsotpLlOptions, encodeIsotpOptions, encodeStMin, openCanIsotp, planIsotpSocket, type CanIsotpOptions, type IsotpOptionsStruct,
} from '@rxsock/can';
import { isotpUnavailable } from '../../src/isotp/errors.js';

const byte = fc.integer({ min: 0, max: 255 });
const u32 = fc.nat(0xffffffff);
const optionsStruct = fc.record({ flags: u32, frameTxTime: u32, extAddress: byte, txPadContent: byte, rxPadContent: byte, rxExtAddress: byte });

function expectEinval(fn: () => unknown, name: string | RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toMatchObject({ name: 'SocketError', code: 'EINVAL', errno: 22 });
  expect((error as Error).message).toMatch(name);
}

describe('ISO-TP option structures', () => {
  it('lay out can_isotp_options as the kernel header does (12 bytes, u32 flags @0, u32 frame_txtime @4, bytes @8..11)', () => {
    const b = encodeIsotpOptions({ flags: 0x01020304, frameTxTime: 50_000, extAddress: 0xaa, txPadContent: 0xbb, rxPadContent: 0xcc, rxExtAddress: 0xdd }, true);
    expect([...b]).toEqual([4, 3, 2, 1, 0x50, 0xc3, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd]);
    expect([...encodeIsotpOptions({ flags: 1, frameTxTime: 0, extAddress: 0, txPadContent: 0, rxPadContent: 0, rxExtAddress: 0 }, false)].slice(0, 4)).toEqual([0, 0, 0, 1]);
    expect([...encodeIsotpFcOptions({ bs: 8, stmin: 0xf3, wftmax: 2 })]).toEqual([8, 0xf3, 2]);
    expect([...encodeIsotpLlOptions({ mtu: 72, txDl: 64, txFlags: 1 })]).toEqual([72, 64, 1]);
  });

  it('round trip every value in both byte orders', () => {
    fc.assert(
      fc.property(optionsStruct, fc.boolean(), (o, le) => {
        expect(decodeIsotpOptions(encodeIsotpOptions(o, le), le)).toEqual(o);
      }),
    );
    fc.assert(
      fc.property(byte, byte, byte, (bs, stmin, wftmax) => {
        expect(decodeIsotpFcOptions(encodeIsotpFcOptions({ bs, stmin, wftmax }))).toEqual({ bs, stmin, wftmax });
      }),
    );
    fc.assert(
      fc.property(byte, byte, byte, (mtu, txDl, txFlags) => {
        expect(decodeIsotpLlOptions(encodeIsotpLlOptions({ mtu, txDl, txFlags }))).toEqual({ mtu, txDl, txFlags });
      }),
    );
  });

  it('refuse a field out of range with EINVAL naming the field', () => {
    const fields: (keyof IsotpOptionsStruct)[] = ['flags', 'frameTxTime', 'extAddress', 'txPadContent', 'rxPadContent', 'rxExtAddress'];
    const kernelName: Record<string, string> = { flags: 'flags', frameTxTime: 'frame_txtime', extAddress: 'ext_address', txPadContent: 'txpad_content', rxPadContent: 'rxpad_content', rxExtAddress: 'rx_ext_address' };
    fc.assert(
      fc.property(optionsStruct, fc.constantFrom(...fields), fc.oneof(fc.integer({ max: -1 }), fc.nat(1e9).map((n) => 2 ** 32 + n), fc.double({ noInteger: true }), fc.constant(Number.NaN)), (o, field, bad) => {
        const isByte = field !== 'flags' && field !== 'frameTxTime';
        // A value past 255 is out of range only for the byte fields.
        if (!isByte && Number.isInteger(bad) && bad >= 0 && bad <= 0xffffffff) return;
        expectEinval(() => encodeIsotpOptions({ ...o, [field]: bad }), `can_isotp_options.${kernelName[field]}`);
      }),
    );
    expectEinval(() => encodeIsotpOptions({ flags: 0, frameTxTime: 0, extAddress: 256, txPadContent: 0, rxPadContent: 0, rxExtAddress: 0 }), 'ext_address');
    expectEinval(() => encodeIsotpFcOptions({ bs: 256, stmin: 0, wftmax: 0 }), 'can_isotp_fc_options.bs');
    expectEinval(() => encodeIsotpLlOptions({ mtu: 72, txDl: -1, txFlags: 0 }), 'can_isotp_ll_options.tx_dl');
  });

  it('decode any bytes long enough, and give a typed decode error for short ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (bytes) => {
        for (const [decode, size] of [[decodeIsotpOptions, 12], [decodeIsotpFcOptions, 3], [decodeIsotpLlOptions, 3]] as const) {
          if (bytes.length >= size) expect(() => decode(bytes)).not.toThrow();
          else expect(() => decode(bytes)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
        }
      }),
    );
  });
});

describe('STmin', () => {
  it('maps 0..127 ms and 100..900 us to their bytes and back', () => {
    expect(encodeStMin(0)).toBe(0);
    expect(encodeStMin(127_000)).toBe(0x7f);
    expect(encodeStMin(100)).toBe(0xf1);
    expect(encodeStMin(900)).toBe(0xf9);
    for (let b = 0; b < 256; b++) {
      const reserved = (b >= 0x80 && b <= 0xf0) || b >= 0xfa;
      if (reserved) expect(() => decodeStMin(b)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
      else expect(encodeStMin(decodeStMin(b))).toBe(b);
    }
  });

  it('refuses any time it cannot express with EINVAL, and encodes every other exactly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1000, max: 200_000 }), fc.double()), (us) => {
        let b: number;
        try {
          b = encodeStMin(us);
        } catch (e) {
          expect(e).toMatchObject({ code: 'EINVAL' });
          expect((e as Error).message).toMatch(/separationTimeUs/);
          return;
        }
        expect(decodeStMin(b)).toBe(us);
      }),
    );
  });
});

const id11 = fc.integer({ min: 0, max: 0x7ff });
const id29 = fc.integer({ min: 0, max: 0x1fffffff });
const validOptions: fc.Arbitrary<CanIsotpOptions> = fc
  .record(
    {
      extended: fc.boolean(),
      ids: fc.tuple(id29, id29),
      extendedAddress: byte,
      rxExtendedAddress: byte,
      txPadding: fc.oneof(fc.boolean(), byte),
      rxPadding: fc.oneof(fc.boolean(), byte),
      checkPadding: fc.constantFrom<'length' | 'data' | 'all'>('length', 'data', 'all'),
      listenOnly: fc.boolean(),
      halfDuplex: fc.boolean(),
      broadcast: fc.constantFrom<'single-frame' | 'segmented'>('single-frame', 'segmented'),
      frameTxTimeNs: fc.nat(0xfffffffe),
      flowControl: fc.record({ blockSize: byte, separationTimeUs: fc.oneof(fc.integer({ min: 0, max: 127 }).map((m) => m * 1000), fc.integer({ min: 1, max: 9 }).map((n) => n * 100)), maxWaitFrames: byte }, { requiredKeys: [] }),
      txSeparationTimeNs: u32,
      rxSeparationTimeNs: u32,
      fd: fc.oneof(fc.boolean(), fc.record({ dataLength: fc.constantFrom(...ISOTP_FD_TX_DL), brs: fc.boolean() }, { requiredKeys: [] })),
    },
    { requiredKeys: ['ids', 'extended'] },
  )
  .filter((o) => o.ids[0] !== o.ids[1] && (o.extended || (o.ids[0] <= 0x7ff && o.ids[1] <= 0x7ff)))
  .map(({ ids, ...o }) => {
    const r: Record<string, unknown> = { ...o, interface: 'vcan0', txId: ids[0], rxId: ids[1] };
    if (o.rxExtendedAddress !== undefined && o.extendedAddress === undefined) delete r.rxExtendedAddress;
    if (o.checkPadding !== undefined && (o.rxPadding === undefined || o.rxPadding === false)) delete r.checkPadding;
    return r as unknown as CanIsotpOptions;
  });

describe('planIsotpSocket', () => {
  it('turns every valid option set into the flags, fields and structures the kernel reads', () => {
    fc.assert(
      fc.property(validOptions, (o) => {
        const p = planIsotpSocket(o);
        const f = p.options.flags;
        const has = (flag: number): boolean => (f & flag) !== 0;
        expect(p.address).toEqual({ txId: (o.txId | (o.extended ? 0x80000000 : 0)) >>> 0, rxId: (o.rxId | (o.extended ? 0x80000000 : 0)) >>> 0 });
        expect(has(IsotpFlag.EXTEND_ADDR)).toBe(o.extendedAddress !== undefined);
        expect(has(IsotpFlag.RX_EXT_ADDR)).toBe(o.rxExtendedAddress !== undefined);
        if (o.extendedAddress !== undefined) {
          expect(p.options.extAddress).toBe(o.extendedAddress);
          expect(p.options.rxExtAddress).toBe(o.rxExtendedAddress ?? o.extendedAddress);
        }
        const pad = (v: boolean | number | undefined): number | undefined => (v === true ? 0xcc : v === false ? undefined : v);
        expect(has(IsotpFlag.TX_PADDING)).toBe(pad(o.txPadding) !== undefined);
        expect(has(IsotpFlag.RX_PADDING)).toBe(pad(o.rxPadding) !== undefined);
        expect(p.options.txPadContent).toBe(pad(o.txPadding) ?? 0xcc);
        expect(p.options.rxPadContent).toBe(pad(o.rxPadding) ?? 0xcc);
        expect(has(IsotpFlag.CHK_PAD_LEN)).toBe(o.checkPadding === 'length' || o.checkPadding === 'all');
        expect(has(IsotpFlag.CHK_PAD_DATA)).toBe(o.checkPadding === 'data' || o.checkPadding === 'all');
        expect(has(IsotpFlag.LISTEN_MODE)).toBe(o.listenOnly === true);
        expect(has(IsotpFlag.HALF_DUPLEX)).toBe(o.halfDuplex === true);
        expect(has(IsotpFlag.SF_BROADCAST)).toBe(o.broadcast === 'single-frame');
        expect(has(IsotpFlag.CF_BROADCAST)).toBe(o.broadcast === 'segmented');
        expect(has(IsotpFlag.FORCE_TXSTMIN)).toBe(o.txSeparationTimeNs !== undefined);
        expect(has(IsotpFlag.FORCE_RXSTMIN)).toBe(o.rxSeparationTimeNs !== undefined);
        expect(has(IsotpFlag.WAIT_TX_DONE)).toBe(false);
        expect(p.txStMinNs).toBe(o.txSeparationTimeNs);
        expect(p.rxStMinNs).toBe(o.rxSeparationTimeNs);
        expect(p.options.frameTxTime).toBe(o.frameTxTimeNs === undefined ? 0 : o.frameTxTimeNs === 0 ? CAN_ISOTP_FRAME_TXTIME_ZERO : o.frameTxTimeNs);
        if (o.flowControl) {
          expect(p.flowControl).toEqual({ bs: o.flowControl.blockSize ?? 0, stmin: encodeStMin(o.flowControl.separationTimeUs ?? 0), wftmax: o.flowControl.maxWaitFrames ?? 0 });
          expect(decodeStMin(p.flowControl!.stmin)).toBe(o.flowControl.separationTimeUs ?? 0);
        } else expect(p.flowControl).toBeUndefined();
        if (o.fd) {
          const fd = o.fd === true ? {} : o.fd;
          expect(p.linkLayer).toEqual({ mtu: 72, txDl: fd.dataLength ?? 64, txFlags: fd.brs ? 1 : 0 });
        } else expect(p.linkLayer).toBeUndefined();
        // What goes to the kernel reads back the same.
        expect(decodeIsotpOptions(encodeIsotpOptions(p.options))).toEqual(p.options);
      }),
    );
  });

  it('makes ids above 11 bits extended unless told otherwise', () => {
    expect(planIsotpSocket({ interface: 'vcan0', txId: 0x18da00f1, rxId: 0x7e8 }).address).toEqual({ txId: 0x98da00f1, rxId: 0x7e8 });
  });

  const base: CanIsotpOptions = { interface: 'vcan0', txId: 0x7e0, rxId: 0x7e8 };
  const bad: [Partial<Record<keyof CanIsotpOptions, unknown>>, RegExp][] = [
    [{ txId: 0x20000000 }, /txId/],
    [{ rxId: -1 }, /rxId/],
    [{ txId: 0x800, extended: false }, /txId.*11 bits/],
    [{ rxId: 0x7e0 }, /txId and rxId/],
    [{ extendedAddress: 256 }, /extendedAddress/],
    [{ rxExtendedAddress: 1 }, /rxExtendedAddress needs extendedAddress/],
    [{ extendedAddress: 1, rxExtendedAddress: 1.5 }, /rxExtendedAddress/],
    [{ txPadding: 300 }, /txPadding/],
    [{ rxPadding: -2 }, /rxPadding/],
    [{ checkPadding: 'all' }, /checkPadding needs rxPadding/],
    [{ rxPadding: true, checkPadding: 'some' }, /checkPadding/],
    [{ broadcast: 'many' }, /broadcast/],
    [{ flags: IsotpFlag.SF_BROADCAST | IsotpFlag.CF_BROADCAST }, /broadcast/],
    [{ flags: IsotpFlag.WAIT_TX_DONE }, /WAIT_TX_DONE/],
    [{ flags: -1 }, /flags/],
    [{ frameTxTimeNs: 0xffffffff }, /frameTxTimeNs/],
    [{ frameTxTimeNs: 1.5 }, /frameTxTimeNs/],
    [{ txSeparationTimeNs: -1 }, /txSeparationTimeNs/],
    [{ rxSeparationTimeNs: 2 ** 32 }, /rxSeparationTimeNs/],
    [{ flowControl: { blockSize: 256 } }, /flowControl.blockSize/],
    [{ flowControl: { separationTimeUs: 150 } }, /flowControl.separationTimeUs/],
    [{ flowControl: { maxWaitFrames: -1 } }, /flowControl.maxWaitFrames/],
    [{ fd: { dataLength: 13 } }, /fd.dataLength/],
    [{ maxMessageSize: 0 }, /maxMessageSize/],
  ];
  it.each(bad.map(([o, m]) => [JSON.stringify(o), o, m] as const))('refuses %s with EINVAL naming the option', (_, o, message) => {
    expectEinval(() => planIsotpSocket({ ...base, ...o } as CanIsotpOptions), message);
  });

  it('refuses bad options in openCanIsotp before any socket exists', async () => {
    await expect(openCanIsotp({ ...base, fd: { dataLength: 65 } })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/fd.dataLength/) });
    await expect(openCanIsotp({ ...base, interface: 'any' })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/one interface/) });
    await expect(openCanIsotp({ ...base, reader: { batchSize: 0 } })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/batchSize/) });
  });
});

describe('a kernel without ISO-TP', () => {
  it('is named in the error: the call, the can-isotp module, the kernel release', () => {
    const e = isotpUnavailable(93, new Error('EPROTONOSUPPORT'));
    expect(e).toMatchObject({ code: 'ERR_RXSOCK_CAN_UNAVAILABLE', errno: 93, syscall: 'socket' });
    expect(e.message).toMatch(/socket\(AF_CAN, SOCK_DGRAM, CAN_ISOTP\)/);
    expect(e.message).toMatch(/modprobe can can-isotp/);
  });
});
