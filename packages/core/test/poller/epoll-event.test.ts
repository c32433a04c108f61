/** struct epoll_event encoding for both ABIs, and the flag translations, as properties. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Interest, Ready } from '../../src/poller/api.js';
import {
  EPOLL_LAYOUT_ARM64,
  EPOLL_LAYOUT_X64,
  epollMaskFor,
  readEpollEvents,
  readEpollToken,
  readyFromEpoll,
  writeEpollEvent,
} from '../../src/poller/epoll-event.js';
import { linuxConstants as L } from '../../src/sys/constants-linux.js';

const token = fc.oneof(fc.nat({ max: 0xffff_ffff }), fc.maxSafeNat());
const events = fc.nat({ max: 0xffff_ffff });

describe.each([
  ['x86-64', EPOLL_LAYOUT_X64],
  ['arm64', EPOLL_LAYOUT_ARM64],
])('struct epoll_event, %s layout', (_name, layout) => {
  it('round-trips events and token at every index, without touching neighbours', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(events, token), { minLength: 1, maxLength: 16 }), (items) => {
        const view = new DataView(new ArrayBuffer(items.length * layout.size));
        items.forEach(([ev, tok], i) => writeEpollEvent(view, i, layout, ev, tok));
        items.forEach(([ev, tok], i) => {
          expect(readEpollEvents(view, i, layout)).toBe(ev);
          expect(readEpollToken(view, i, layout)).toBe(tok);
        });
      }),
    );
  });

  it('puts the fields where the C structure has them (little-endian)', () => {
    fc.assert(
      fc.property(events, token, (ev, tok) => {
        const bytes = new Uint8Array(layout.size);
        writeEpollEvent(new DataView(bytes.buffer), 0, layout, ev, tok);
        const view = new DataView(bytes.buffer);
        expect(view.getUint32(0, true)).toBe(ev);
        expect(view.getBigUint64(layout.dataOffset, true)).toBe(BigInt(tok));
        // arm64 pads between events and data: the padding stays zero.
        for (let i = 4; i < layout.dataOffset; i++) expect(bytes[i]).toBe(0);
      }),
    );
  });

  it('writes EPOLLET (bit 31) unsigned', () => {
    const view = new DataView(new ArrayBuffer(layout.size));
    writeEpollEvent(view, 0, layout, epollMaskFor(Interest.READABLE, true), 1);
    expect(readEpollEvents(view, 0, layout) >>> 31).toBe(1);
  });

  it('refuses tokens that are not safe non-negative integers', () => {
    const view = new DataView(new ArrayBuffer(layout.size));
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN]) expect(() => writeEpollEvent(view, 0, layout, 0, bad)).toThrow(RangeError);
  });
});

describe('flag translation', () => {
  it('asks for exactly the requested directions, RDHUP only with READABLE, ET only when edge', () => {
    fc.assert(
      fc.property(fc.nat({ max: 7 }), fc.boolean(), (interest, edge) => {
        const mask = epollMaskFor(interest, edge);
        expect(mask).toBeGreaterThanOrEqual(0);
        expect(Boolean(mask & L.EPOLLIN)).toBe(Boolean(interest & Interest.READABLE));
        expect(Boolean(mask & L.EPOLLRDHUP)).toBe(Boolean(interest & Interest.READABLE));
        expect(Boolean(mask & L.EPOLLOUT)).toBe(Boolean(interest & Interest.WRITABLE));
        expect(Boolean(mask & L.EPOLLPRI)).toBe(Boolean(interest & Interest.PRIORITY));
        expect(mask >= 0x8000_0000).toBe(edge);
      }),
    );
  });

  it('maps conditions to Ready and wakes the directions they end', () => {
    expect(readyFromEpoll(L.EPOLLIN)).toBe(Ready.READABLE);
    expect(readyFromEpoll(L.EPOLLOUT)).toBe(Ready.WRITABLE);
    expect(readyFromEpoll(L.EPOLLPRI)).toBe(Ready.PRIORITY);
    expect(readyFromEpoll(L.EPOLLERR)).toBe(Ready.ERROR | Ready.READABLE | Ready.WRITABLE);
    expect(readyFromEpoll(L.EPOLLHUP)).toBe(Ready.HANGUP | Ready.READABLE | Ready.WRITABLE);
    expect(readyFromEpoll(L.EPOLLRDHUP)).toBe(Ready.READ_CLOSED | Ready.READABLE);
    expect(readyFromEpoll(0)).toBe(0);
  });

  it('is a union over the bits', () => {
    const bits = [L.EPOLLIN, L.EPOLLOUT, L.EPOLLPRI, L.EPOLLERR, L.EPOLLHUP, L.EPOLLRDHUP];
    fc.assert(
      fc.property(fc.subarray(bits), (chosen) => {
        const combined = chosen.reduce((a, b) => a | b, 0);
        expect(readyFromEpoll(combined)).toBe(chosen.reduce((a, b) => a | readyFromEpoll(b), 0));
      }),
    );
  });
});
