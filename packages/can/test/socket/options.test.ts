// The options of openCanRaw as setsockopt calls (level, name, bytes), recorded from a socket that
// takes them as the kernel would, or refuses CAN_RAW_XL_FRAMES as a kernel before 6.2 does.
import { describe, expect, it } from 'vitest';
import { C, SocketError, type Socket } from '@rxsock/core';
import { applyCanRawOptions } from '../../src/socket/options.js';
import { CanRawOption, SOL_CAN_RAW, SO_TIMESTAMPING } from '../../src/socket/constants.js';
import { CanErrorClass } from '../../src/codec/index.js';

function recorder(refuse?: { level: number; name: number; errno: number }) {
  const calls: Array<[unknown, unknown, unknown]> = [];
  const socket = {
    setOption(a: unknown, b: unknown, c?: unknown) {
      if (refuse && a === refuse.level && b === refuse.name) throw new SocketError('setsockopt failed', { code: 'ENOPROTOOPT', errno: refuse.errno, syscall: 'setsockopt' });
      calls.push([a, b, c instanceof Uint8Array ? [...c] : c]);
    },
  } as unknown as Socket;
  return { socket, calls };
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

describe('CAN_RAW options', () => {
  it('each option becomes its setsockopt, filters as struct can_filter records', () => {
    const { socket, calls } = recorder();
    applyCanRawOptions(socket, {
      filters: [{ id: 0x123, mask: 0x7ff, extended: false }, { id: 0x1, mask: 0x1, inverted: true }],
      joinFilters: true,
      errorMask: CanErrorClass.BUSOFF,
      loopback: false,
      recvOwnMessages: true,
      fdFrames: true,
      timestamps: 'hardware',
      receiveBufferSize: 1 << 20,
      forceReceiveBuffer: true,
    });
    expect(calls).toEqual([
      [SOL_CAN_RAW, CanRawOption.JOIN_FILTERS, le32(1)],
      [SOL_CAN_RAW, CanRawOption.FILTER, [...le32(0x123), ...le32(0x800007ff), ...le32(0x20000001), ...le32(0x1)]],
      [SOL_CAN_RAW, CanRawOption.ERR_FILTER, le32(0x40)],
      [SOL_CAN_RAW, CanRawOption.LOOPBACK, le32(0)],
      [SOL_CAN_RAW, CanRawOption.RECV_OWN_MSGS, le32(1)],
      [SOL_CAN_RAW, CanRawOption.FD_FRAMES, le32(1)],
      ['SO_TIMESTAMPNS', true, undefined],
      [C.SOL_SOCKET, SO_TIMESTAMPING, le32((1 << 2) | (1 << 6) | (1 << 3) | (1 << 4))],
      ['SO_RCVBUFFORCE', 1 << 20, undefined],
    ]);
  });

  it('defaults: only SO_TIMESTAMPNS', () => {
    const { socket, calls } = recorder();
    applyCanRawOptions(socket, {});
    expect(calls).toEqual([['SO_TIMESTAMPNS', true, undefined]]);
  });

  it('CAN XL on a kernel without CAN_RAW_XL_FRAMES is a typed error naming Linux 6.2', () => {
    const { socket } = recorder({ level: SOL_CAN_RAW, name: CanRawOption.XL_FRAMES, errno: 92 });
    let error: SocketError | undefined;
    try {
      applyCanRawOptions(socket, { xlFrames: true });
    } catch (e) {
      error = e as SocketError;
    }
    expect(error).toBeInstanceOf(SocketError);
    expect(error!.code).toBe('ERR_RXSOCK_CAN_XL_UNSUPPORTED');
    expect(error!.message).toMatch(/Linux >= 6\.2/);
    expect(error!.errno).toBe(92);
  });

  it('a bad error mask is EINVAL before any call', () => {
    const { socket, calls } = recorder();
    expect(() => applyCanRawOptions(socket, { errorMask: 0x40000000 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(calls).toEqual([]);
  });
});
