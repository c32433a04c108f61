import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanErrorClass, CanFrameError, canErrorFrame, canFrame, decodeCanError, decodeCanFrame, encodeCanFrame, CanProtocolLocation, CanTransceiverStatus, type CanErrorInit } from '../../src/codec/index.js';

const bool = fc.option(fc.boolean(), { nil: undefined });
const byte = fc.integer({ min: 0, max: 255 });
const arbInit: fc.Arbitrary<CanErrorInit> = fc.record(
  {
    txTimeout: fc.boolean(),
    arbitrationLostBit: byte,
    controller: fc.record({ rxOverflow: fc.boolean(), txOverflow: fc.boolean(), rxWarning: fc.boolean(), txWarning: fc.boolean(), rxPassive: fc.boolean(), txPassive: fc.boolean(), active: fc.boolean() }),
    protocol: fc.record({ bit: fc.boolean(), form: fc.boolean(), stuff: fc.boolean(), bit0: fc.boolean(), bit1: fc.boolean(), overload: fc.boolean(), active: fc.boolean(), tx: fc.boolean() }),
    protocolLocation: fc.constantFrom(...(Object.keys(CanProtocolLocation) as Array<keyof typeof CanProtocolLocation>)),
    transceiver: fc.constantFrom(...(Object.keys(CanTransceiverStatus) as Array<keyof typeof CanTransceiverStatus>)),
    noAck: fc.boolean(),
    busOff: fc.boolean(),
    busError: fc.boolean(),
    restarted: fc.boolean(),
    txErrorCount: byte,
    rxErrorCount: byte,
    controllerSpecific: byte,
  },
  { requiredKeys: [] },
);
void bool;

describe('error frames', () => {
  it('canErrorFrame -> bytes -> decodeCanError gives back every field that was set', () => {
    fc.assert(
      fc.property(arbInit, (init) => {
        const frame = decodeCanFrame(encodeCanFrame(canErrorFrame(init)));
        const info = decodeCanError(frame);
        expect(info.txTimeout).toBe(init.txTimeout ?? false);
        expect(info.arbitrationLostBit).toBe(init.arbitrationLostBit);
        if (init.controller) expect(info.controller).toEqual(init.controller);
        else expect(info.controller).toBeUndefined();
        if (init.protocol || init.protocolLocation !== undefined) {
          expect(info.protocol).toEqual({ bit: false, form: false, stuff: false, bit0: false, bit1: false, overload: false, active: false, tx: false, ...init.protocol });
          // 'unspecified' and a left-out location are the same byte
          expect(info.protocolLocation).toBe(init.protocolLocation ?? 'unspecified');
        } else expect(info.protocol).toBeUndefined();
        expect(info.transceiver).toBe(init.transceiver);
        expect(info.noAck).toBe(init.noAck ?? false);
        expect(info.busOff).toBe(init.busOff ?? false);
        expect(info.busError).toBe(init.busError ?? false);
        expect(info.restarted).toBe(init.restarted ?? false);
        const cnt = init.txErrorCount !== undefined || init.rxErrorCount !== undefined;
        expect(info.txErrorCount).toBe(cnt ? (init.txErrorCount ?? 0) : undefined);
        expect(info.rxErrorCount).toBe(cnt ? (init.rxErrorCount ?? 0) : undefined);
        expect(info.controllerSpecific).toBe(init.controllerSpecific ?? 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('controller state summary: bus-off over passive over warning over active', () => {
    expect(decodeCanError(canErrorFrame({ busOff: true, controller: { rxPassive: true } })).state).toBe('bus-off');
    expect(decodeCanError(canErrorFrame({ controller: { txPassive: true, rxWarning: true } })).state).toBe('passive');
    expect(decodeCanError(canErrorFrame({ controller: { txWarning: true } })).state).toBe('warning');
    expect(decodeCanError(canErrorFrame({ controller: { active: true } })).state).toBe('active');
    expect(decodeCanError(canErrorFrame({ noAck: true })).state).toBe('unknown');
  });

  it('bytes as a driver writes them (linux/can/error.h values)', () => {
    // A controller going error-passive on TX with counters 128/5, protocol stuff error in the data field.
    const data = [0, 0x20, 0x04, 0x0a, 0x00, 0, 128, 5];
    const f = canFrame({ id: CanErrorClass.CRTL | CanErrorClass.PROT | CanErrorClass.CNT, error: true, data });
    const info = decodeCanError(f);
    expect(info.state).toBe('passive');
    expect(info.controller?.txPassive).toBe(true);
    expect(info.protocol?.stuff).toBe(true);
    expect(info.protocolLocation).toBe('data');
    expect([info.txErrorCount, info.rxErrorCount]).toEqual([128, 5]);
    expect(info.arbitrationLostBit).toBeUndefined();
  });

  it('unknown location and transceiver codes come back as numbers', () => {
    const f = canFrame({ id: CanErrorClass.PROT | CanErrorClass.TRX, error: true, data: [0, 0, 0, 0x55, 0x33, 0, 0, 0] });
    expect(decodeCanError(f).protocolLocation).toBe(0x55);
    expect(decodeCanError(f).transceiver).toBe(0x33);
  });

  it('arbitrary error frames (any class bits, any bytes, short data) decode without throwing', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x1fffffff }), fc.uint8Array({ maxLength: 8 }), (id, data) => void decodeCanError(canFrame({ id, error: true, data }))));
  });

  it('a data frame is not an error frame: typed decode error', () => {
    expect(() => decodeCanError(canFrame({ id: 1 }))).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DECODE' }));
    expect(() => canErrorFrame({ transceiver: 'nope' as never })).toThrow(CanFrameError);
    expect(() => canErrorFrame({ txErrorCount: 256 })).toThrow(CanFrameError);
  });
});
