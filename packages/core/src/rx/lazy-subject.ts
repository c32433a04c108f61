/**
 * An event source whose rxjs Subject is made only when someone asks for its Observable: a
 * writer's `writable$` or a reader's `kernelDrops$` that nobody watches then costs a field,
 * not a Subject, and does not load rxjs (see ./load.ts).
 */
import type { Observable, Subject } from 'rxjs';
import { rx } from './load.js';

/**
 * @internal
 * `next`/`complete`/`error` like a Subject's; {@link LazySubject.asObservable} makes the Subject
 * on first call and brings it to the current state. With `initial` it behaves as a
 * BehaviorSubject (a subscriber gets the latest value first).
 */
export class LazySubject<T> {
  private subject: Subject<T> | undefined;
  private observable: Observable<T> | undefined;
  private latest: T | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  constructor(private readonly behavior: { initial: T } | undefined = undefined) {
    this.latest = behavior?.initial;
  }

  /** The latest value (a behavior subject's current value). */
  get value(): T | undefined {
    return this.latest;
  }

  next(value: T): void {
    if (this.ended) return;
    this.latest = value;
    this.subject?.next(value);
  }

  complete(): void {
    if (this.ended) return;
    this.ended = true;
    this.subject?.complete();
  }

  error(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    this.subject?.error(error);
  }

  asObservable(): Observable<T> {
    if (this.observable) return this.observable;
    const { BehaviorSubject, Subject } = rx();
    const subject = this.behavior ? new BehaviorSubject<T>(this.latest as T) : new Subject<T>();
    if (this.failure) subject.error(this.failure.error);
    else if (this.ended) subject.complete();
    this.subject = subject;
    return (this.observable = subject.asObservable());
  }
}
