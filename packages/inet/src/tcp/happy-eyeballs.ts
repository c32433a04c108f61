/**
 * Happy Eyeballs v2 (RFC 8305) as pure scheduling: which address to try next and when, with the
 * socket work left to an `attempt` callback, so the timing rules are testable with fake attempts
 * as well as real sockets.
 */
import type { SocketAddress } from '@rxsock/core';

/** RFC 8305 §5: the recommended Connection Attempt Delay. */
export const DEFAULT_ATTEMPT_DELAY = 250;

/** RFC 8305 §5: implementations MUST NOT wait less than this between attempts. */
export const MIN_ATTEMPT_DELAY = 10;

/**
 * Orders resolved addresses as RFC 8305 §4 asks: keep the resolver's preference order within
 * each family, start with the family of the first address, take `firstFamilyCount` of it, then
 * alternate one address of each family, so a broken IPv6 path costs one delay, not one per
 * IPv6 address.
 */
export function interleaveFamilies<A extends { family: SocketAddress['family'] }>(addresses: readonly A[], firstFamilyCount = 1): A[] {
  if (addresses.length === 0) return [];
  const first = addresses[0]!.family;
  const primary = addresses.filter((a) => a.family === first);
  const secondary = addresses.filter((a) => a.family !== first);
  const out: A[] = primary.splice(0, Math.max(1, firstFamilyCount));
  while (primary.length || secondary.length) {
    if (secondary.length) out.push(secondary.shift()!);
    if (primary.length) out.push(primary.shift()!);
  }
  return out;
}

/** How {@link raceAttempts} schedules. */
export interface RaceOptions<R> {
  /** Milliseconds to wait for one attempt before starting the next in parallel. */
  delay: number;
  /** Stops every attempt; the race rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called with the result of an attempt that succeeded after another had already won (two
   * connects can complete in the same tick), so the loser's socket is not leaked.
   */
  dispose?: (result: R) => void;
}

/** One failed attempt of a race, in the order the candidates were tried. */
export interface RaceFailure<C> {
  candidate: C;
  error: unknown;
}

/** What {@link raceAttempts} settles with. */
export type RaceResult<C, R> =
  | { ok: true; value: R; candidate: C; failures: RaceFailure<C>[] }
  | { ok: false; failures: RaceFailure<C>[] };

/**
 * Runs `attempt` over `candidates` Happy-Eyeballs style: start the first; start the next one
 * when the current has not succeeded within `delay` ms, or at once when it fails; the first
 * success wins and the others are aborted through their signal (a late success is handed to
 * `dispose`). Resolves `{ ok: false }` with every failure when none succeeded; rejects only when
 * `options.signal` aborts.
 */
export function raceAttempts<C, R>(
  candidates: readonly C[],
  attempt: (candidate: C, signal: AbortSignal, index: number) => Promise<R>,
  options: RaceOptions<R>,
): Promise<RaceResult<C, R>> {
  const { signal, dispose } = options;
  const delay = Math.max(MIN_ATTEMPT_DELAY, options.delay);
  return new Promise((resolve, reject) => {
    const losers = new AbortController();
    const failures: Array<RaceFailure<C> & { index: number }> = [];
    let next = 0;
    let running = 0;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const ordered = (): RaceFailure<C>[] =>
      failures.sort((a, b) => a.index - b.index).map(({ candidate, error }) => ({ candidate, error }));

    const finish = (settle: () => void): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      losers.abort();
      settle();
    };

    function onAbort(): void {
      if (!settled) finish(() => reject(signal!.reason));
    }

    const startNext = (): void => {
      clearTimeout(timer);
      timer = undefined;
      if (settled || next >= candidates.length) return;
      const index = next++;
      const candidate = candidates[index]!;
      running++;
      let started: Promise<R>;
      try {
        started = attempt(candidate, losers.signal, index);
      } catch (error) {
        started = Promise.reject(error);
      }
      started.then(
        (value) => {
          running--;
          if (settled) {
            dispose?.(value);
            return;
          }
          finish(() => resolve({ ok: true, value, candidate, failures: ordered() }));
        },
        (error: unknown) => {
          running--;
          if (settled) return;
          failures.push({ candidate, error, index });
          // RFC 8305 §5: a failed attempt need not wait out the delay before the next starts.
          if (next < candidates.length) startNext();
          else if (running === 0) finish(() => resolve({ ok: false, failures: ordered() }));
        },
      );
      if (next < candidates.length && !settled) timer = setTimeout(startNext, delay);
    };

    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (candidates.length === 0) return finish(() => resolve({ ok: false, failures: [] }));
    startNext();
  });
}
