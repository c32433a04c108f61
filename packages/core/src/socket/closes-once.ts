/**
 * The close protocol of the families' socket objects (servers, UNIX and UDP sockets...): one
 * `close()` that acts once, a `closed` promise, `isClosed`, and `await using`. Each object says
 * only what its close releases.
 */

/**
 * Base of objects that own a socket and close once. `close()` runs
 * {@link ClosesOnce.release} the first time only, then settles {@link ClosesOnce.closed}.
 */
export abstract class ClosesOnce {
  /** Resolves once {@link ClosesOnce.close} ran. */
  readonly closed: Promise<void>;
  private closing = false;
  private resolveClosed!: () => void;

  constructor() {
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  }

  /** Whether {@link ClosesOnce.close} ran. */
  get isClosed(): boolean {
    return this.closing;
  }

  /** Closes it (what that releases is in the class's own description); later calls do nothing. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.release();
    this.resolveClosed();
  }

  /** `await using x = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** What closing releases (the socket, a socket file...); called once, by the first `close()`. */
  protected abstract release(): void;
}
