import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { CanLogError, candumpLogEntries, type CandumpLogEntry } from '@rxsock/can';

/** The id of a classic or FD frame (the logs here hold no XL frames). */
const idOf = (e: CandumpLogEntry): number => ('id' in e.frame ? e.frame.id : -1);

const LOG = '(1436509053.249713) vcan0 123#DEADBEEF\n(1436509053.249800) can1 7FF#\n(1436509053.250000) vcan0 001#01';

describe('candumpLogEntries (RxJS operator)', () => {
  it('decodes lines split anywhere across chunks, the last one without a newline included', async () => {
    for (const cut of [1, 7, 38, 39, 60]) {
      const bytes = new TextEncoder().encode(LOG);
      const chunks = [bytes.subarray(0, cut), LOG.slice(cut, cut + 20), bytes.subarray(cut + 20)];
      const entries = await lastValueFrom(from(chunks).pipe(candumpLogEntries(), toArray()));
      expect(entries.map((e) => [e.interfaceName, idOf(e), e.timestampNsec])).toEqual([
        ['vcan0', 0x123, 249713000],
        ['can1', 0x7ff, 249800000],
        ['vcan0', 0x001, 250000000],
      ]);
    }
  });

  it('a bad line is the Observable error (CanLogError with its line number), after the entries of earlier chunks', () => {
    const seen: number[] = [];
    let error: unknown;
    let completed = false;
    from(['(1.000001) vcan0 123#01\n', '(1.000002) vcan0 12G#01\n', '(1.000003) vcan0 124#01\n'])
      .pipe(candumpLogEntries())
      .subscribe({ next: (e) => seen.push(idOf(e)), error: (e: unknown) => (error = e), complete: () => (completed = true) });
    expect(seen).toEqual([0x123]);
    expect(completed).toBe(false);
    expect(error).toBeInstanceOf(CanLogError);
    expect((error as CanLogError).lineNumber).toBe(2);
  });
});
