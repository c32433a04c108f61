/**
 * Fairness for pull-driven adapters. A Node stream or a Web stream asks for the next chunk from
 * the previous chunk's callback or promise, so a busy socket could be read again and again
 * inside one turn of the event loop (each request starts a fresh read turn of the pump) and
 * starve timers and other sockets. A budget of reads per loop turn, reset by one immediate,
 * sends the rest to the next turn, as the pump's own `readsPerTurn` does within one turn.
 */
import { DEFAULT_READS_PER_TURN } from '../source.js';

/** @internal Counts an adapter's reads in the current loop turn. */
export class TurnBudget {
  private used = 0;
  private reset: NodeJS.Immediate | undefined;
  private readonly clear = (): void => {
    this.used = 0;
    this.reset = undefined;
  };

  constructor(private readonly perTurn = DEFAULT_READS_PER_TURN) {}

  /** Takes one read from this turn's budget; false when it is spent (go on in the next turn). */
  take(): boolean {
    this.reset ??= setImmediate(this.clear);
    return ++this.used <= this.perTurn;
  }

  /** Runs `then` in the next turn, after the budget was reset. */
  nextTurn(then: () => void): void {
    setImmediate(then);
  }
}
