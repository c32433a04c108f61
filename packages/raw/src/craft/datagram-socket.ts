/**
 * What raw IP and ICMP sockets share: a core `Socket` whose datagrams arrive through core's
 * DatagramReader (recvmmsg batches, a bounded queue, counted drops) as an Observable made at
 * the first subscription, and sends to numeric addresses.
 */
import type { Observable } from 'rxjs';
import { C, DatagramReader, rx, type Datagram, type DatagramReaderOptions, type Socket } from '@rxsock/core';

/** @internal */
export abstract class DatagramSocket<T> {
  /** The core socket (for options this class does not wrap). */
  readonly socket: Socket;
  /** `'inet'` or `'inet6'`. */
  readonly family: 'inet' | 'inet6';
  /** Resolves once the socket is closed. */
  readonly closed: Promise<void>;
  private readonly receiveOptions: DatagramReaderOptions;
  private reader: DatagramReader<T | undefined> | undefined;
  private observable: Observable<T> | undefined;
  private isClosed = false;
  private resolveClosed!: () => void;

  protected constructor(socket: Socket, receive: DatagramReaderOptions) {
    this.socket = socket;
    this.family = socket.family === C.AF_INET6 ? 'inet6' : 'inet';
    this.receiveOptions = receive;
    this.closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  }

  /** Turns one received datagram into what subscribers get; `undefined` skips it. */
  protected abstract convert(datagram: Datagram): T | undefined;

  /**
   * Whether a failed receive call should leave the stream open: true for the socket's pending
   * error when the subclass reads errors elsewhere (the error queue), since it says nothing
   * about the datagrams still queued. Default false: the error fails the stream.
   */
  protected recoverable(_error: unknown): boolean {
    return false;
  }

  /**
   * What arrives, while subscribed (shared by all subscribers; the kernel buffers and then drops
   * while nobody is). Completes on close.
   */
  protected get received$(): Observable<T> {
    return (this.observable ??= new (rx().Observable)<T>((subscriber) => {
      if (this.isClosed) {
        subscriber.complete();
        return undefined;
      }
      const reader = (this.reader ??= new DatagramReader<T | undefined>(this.socket, this.receiveOptions, {
        decode: (batch, i) => this.convert({ data: Buffer.from(batch.data(i)), address: batch.address(i), ancillary: batch.ancillary(i), flags: batch.flags(i) }),
        recover: (error) => this.recoverable(error),
      }));
      const inner = reader.datagrams$.subscribe({
        next: (value) => {
          if (value !== undefined) subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      reader.request(Infinity);
      return () => inner.unsubscribe();
    }).pipe(rx().share()));
  }

  /**
   * Whether a datagram waits in the kernel that the reader has not read yet (FIONREAD: the
   * size of the next one). The reader takes it at the socket's next readable edge.
   */
  get datagramWaiting(): boolean {
    const next = new Int32Array(1);
    this.socket.ioctl(C.FIONREAD, new Uint8Array(next.buffer));
    return next[0]! > 0;
  }

  /** Datagrams read, delivered and dropped by the reader (zeros before the first subscription). */
  get counters(): { received: number; delivered: number; dropped: number; kernelDrops: number } {
    const c = this.reader?.counters;
    return { received: c?.received ?? 0, delivered: c?.delivered ?? 0, dropped: (c?.droppedNewest ?? 0) + (c?.droppedOldest ?? 0), kernelDrops: c?.kernelDrops ?? 0 };
  }

  /** Closes the socket; subscribers complete. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reader?.close();
    this.socket.close();
    this.resolveClosed();
  }

  /** `await using s = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** @internal `[host, 0]` in the socket's family, for sendto. */
  protected target(host: string): readonly [string, number] {
    return [host, 0];
  }
}
