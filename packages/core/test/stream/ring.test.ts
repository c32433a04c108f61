import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ring } from '../../src/stream/ring.js';

type Op = { kind: 'push'; value: number } | { kind: 'shift' } | { kind: 'replaceHead'; value: number } | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.integer().map((value) => ({ kind: 'push' as const, value })) },
  { weight: 4, arbitrary: fc.constant({ kind: 'shift' as const }) },
  { weight: 1, arbitrary: fc.integer().map((value) => ({ kind: 'replaceHead' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

describe('Ring (the FIFO under every stream queue)', () => {
  it('behaves like an array used as a queue, across growth and wrap-around', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 400 }), (initial, ops) => {
        const ring = new Ring<number>(initial);
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            ring.push(o.value);
            model.push(o.value);
          } else if (o.kind === 'shift') {
            expect(ring.shift()).toBe(model.shift());
          } else if (o.kind === 'replaceHead') {
            ring.replaceHead(o.value);
            if (model.length > 0) model[0] = o.value;
          } else {
            ring.clear();
            model.length = 0;
          }
          expect(ring.length).toBe(model.length);
          expect(ring.peek()).toBe(model[0]);
          expect(ring.peek(model.length - 1)).toBe(model[model.length - 1]);
          expect(ring.peek(model.length)).toBeUndefined();
        }
        const drained: number[] = [];
        for (let v = ring.shift(); v !== undefined; v = ring.shift()) drained.push(v);
        expect(drained).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});
