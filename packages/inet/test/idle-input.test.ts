/**
 * `input$` on a connection that has not received anything yet: its reader is made only at the
 * first readable edge, so these check that the wait before it behaves like a reader's — data,
 * end and reset still arrive, and unsubscribing, closing and bad options act as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, take } from 'rxjs';
import { SocketError } from '@rxsock/core';
import { connect, tcpServer, type Connection, type TcpServer } from '../src/index.js';
import { sleep, waitFor } from './support/helpers.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

function server(options: Parameters<typeof tcpServer>[0] = {}): TcpServer {
  const s = tcpServer({ host: '127.0.0.1', ...options });
  cleanup.push(() => s.close());
  return s;
}

async function pair(options: Parameters<typeof tcpServer>[0] = {}): Promise<[client: Connection, accepted: Connection]> {
  const s = server(options);
  const accepted = firstValueFrom(s.connections$.pipe(take(1)));
  const c = await connect('127.0.0.1', s.port);
  const a = await accepted;
  cleanup.push(() => (c.close(), a.close()));
  return [c, a];
}

/** Subscribes to `conn.input$`, recording what arrives and how it ends. */
function watch(conn: Connection) {
  const seen = { text: '', chunks: 0, completed: false, error: undefined as unknown };
  const subscription = conn.input$.subscribe({
    next: (chunk) => {
      seen.text += chunk.toString();
      seen.chunks++;
    },
    error: (e: unknown) => (seen.error = e),
    complete: () => (seen.completed = true),
  });
  return { seen, subscription };
}

describe('input$ before the first byte', () => {
  it('waits with one armed listener, then delivers what arrives later and completes at the end', async () => {
    const [c, a] = await pair();
    const { seen } = watch(a);
    await sleep(20);
    // idle: exactly one waiter (the listener), which keeps the process alive like a recv
    expect(a.socket.pendingOperations).toBe(1);
    expect(seen.chunks).toBe(0);
    c.write(Buffer.from('late'));
    await waitFor(() => seen.text === 'late', 'the first chunk');
    c.write(Buffer.from(' and more'));
    await waitFor(() => seen.text === 'late and more', 'the second chunk');
    await c.end();
    await waitFor(() => seen.completed, 'completion');
    expect(seen.error).toBeUndefined();
    expect(a.isOpen).toBe(true); // half-closed by the peer: still writable
  });

  it('delivers bytes (and the end) that were queued before it subscribed', async () => {
    const [c, a] = await pair();
    c.write(Buffer.from('early'));
    await c.end();
    await sleep(20);
    const { seen } = watch(a);
    await waitFor(() => seen.completed, 'completion');
    expect(seen.text).toBe('early');
  });

  it('completes when the peer closes without sending anything', async () => {
    const [c, a] = await pair();
    const { seen } = watch(a);
    await sleep(10);
    c.close();
    await waitFor(() => seen.completed, 'completion');
    expect(seen.chunks).toBe(0);
  });

  it('errors with a typed ECONNRESET when the peer resets an idle connection, and closes it', async () => {
    const [c, a] = await pair();
    const { seen } = watch(a);
    await sleep(10);
    c.socket.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    c.close();
    await waitFor(() => seen.error !== undefined, 'the error');
    expect(seen.error).toBeInstanceOf(SocketError);
    expect(seen.error).toMatchObject({ code: 'ECONNRESET' });
    await a.closed;
    expect(a.socket.closed).toBe(true);
  });

  it('unsubscribing while idle disarms the listener and closes the connection', async () => {
    const [, a] = await pair();
    const { subscription } = watch(a);
    await sleep(10);
    expect(a.socket.pendingOperations).toBe(1);
    subscription.unsubscribe();
    expect(a.isOpen).toBe(false);
    expect(a.socket.pendingOperations).toBe(0);
  });

  it('close() while idle completes the subscriber', async () => {
    const [, a] = await pair();
    const { seen } = watch(a);
    await sleep(10);
    a.close();
    expect(seen.completed).toBe(true);
    expect(a.socket.closed).toBe(true);
  });

  it('bad read options fail the subscription at once, not at the first byte', async () => {
    const [, a] = await pair({ read: { chunkSize: 0 } });
    const { seen } = watch(a);
    expect(seen.error).toMatchObject({ code: 'EINVAL' });
  });

  it('a second subscriber while one waits is refused; after the end, a new one completes', async () => {
    const [c, a] = await pair();
    const first = watch(a);
    const second = watch(a);
    expect(second.seen.error).toMatchObject({ code: 'ERR_RXSOCK_SOURCE_BUSY' });
    await c.end();
    await waitFor(() => first.seen.completed, 'completion');
    expect(watch(a).seen.completed).toBe(true);
  });
});
