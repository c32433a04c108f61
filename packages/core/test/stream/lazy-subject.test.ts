import { describe, expect, it } from 'vitest';
import { LazySubject } from '../../src/rx/index.js';

/** Everything a subscriber sees, as strings. */
function record(subject: LazySubject<number>): string[] {
  const seen: string[] = [];
  subject.asObservable().subscribe({ next: (v) => seen.push(`next ${v}`), error: (e: unknown) => seen.push(`error ${String(e)}`), complete: () => seen.push('complete') });
  return seen;
}

describe('LazySubject', () => {
  it('without a subscriber keeps only the latest value; a subscriber then gets what follows', () => {
    const s = new LazySubject<number>();
    s.next(1);
    expect(s.value).toBe(1);
    const seen = record(s);
    s.next(2);
    s.complete();
    s.next(3);
    expect(seen).toEqual(['next 2', 'complete']);
  });

  it('as a behavior subject, a late subscriber gets the current value first', () => {
    const s = new LazySubject<number>({ initial: 0 });
    s.next(5);
    const seen = record(s);
    s.next(6);
    expect(seen).toEqual(['next 5', 'next 6']);
  });

  it('a subscriber that comes after the end sees the end (complete or the error), nothing else', () => {
    const done = new LazySubject<number>({ initial: 1 });
    done.complete();
    expect(record(done)).toEqual(['complete']);
    const failed = new LazySubject<number>();
    failed.error('boom');
    failed.complete();
    expect(record(failed)).toEqual(['error boom']);
  });

  it('hands out one Observable', () => {
    const s = new LazySubject<number>();
    expect(s.asObservable()).toBe(s.asObservable());
  });
});
