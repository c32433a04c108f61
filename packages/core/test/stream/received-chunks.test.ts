/**
 * Receiving by completion (ChunkReception): a multishot receive per socket on the process's pool
 * of provided buffers. Real sockets on loopback; the kernel must support it (Linux 6.0 or later
 * with io_uring allowed): where it does not, these tests fail and say so.
 */
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { C, ChunkReader, ChunkReception, Socket } from '../../src/index.js';
import { MAX_RECEPTIONS } from '../../src/stream/received-chunks.js';
import { PatternSource, stats, tcpPair, waitFor } from './helpers.js';

/** A reception that keeps every chunk (not copied: they must stay valid) and how it ended. */
class CollectingSink extends ChunkReception {
  constructor(readonly socket: Socket) {
    super();
  }
  closed = false;
  readonly chunks: Buffer[] = [];
  ended: 'complete' | 'error' | undefined;
  error_: unknown;
  bytes = 0;
  next(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }
  error(error: unknown): void {
    this.closed = true;
    this.ended = 'error';
    this.error_ = error;
  }
  complete(): void {
    this.closed = true;
    this.ended = 'complete';
  }
  get data(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A collecting reception that goes on on readiness when the stream turns bulk, as inet's input$ does. */
class HandingOffSink extends CollectingSink {
  reader: ChunkReader | undefined;
  override receiveOnReadiness(): void {
    this.reader = new ChunkReader(this.socket);
    this.reader.attachSink(this);
    this.reader.request(Infinity);
  }
}

/** A reception of `socket`, started (by completion, or the test fails). */
function receive(socket: Socket): CollectingSink {
  stats();
  const sink = new CollectingSink(socket);
  expect(sink.startReceiving()).toBe(true);
  return sink;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('ChunkReception', () => {
  it('delivers every byte in order, small arrivals copied and large ones handed over, each chunk still valid after later arrivals', async () => {
    const [client, server] = await tcpPair();
    const before = stats().delivered;
    const sink = receive(server);
    // Small arrivals first, one at a time.
    for (const word of ['one', 'two', 'three']) {
      await client.send(Buffer.from(word));
      await waitFor(() => sink.data.toString().endsWith(word), `'${word}' delivered`);
    }
    const small = sink.chunks.length;
    // Then 4 MiB as fast as the kernel takes it: large arrivals.
    const bulk = new PatternSource(7).next(4 << 20);
    const expected = Buffer.concat([Buffer.from('onetwothree'), bulk]);
    for (let at = 0; at < bulk.length; ) at += await client.send(bulk.subarray(at, at + 200_000));
    client.shutdown('write');
    await waitFor(() => sink.ended !== undefined, 'the end of stream');
    expect(sink.ended).toBe('complete');
    expect(sink.data.equals(expected)).toBe(true);
    expect(sink.chunks.every((c) => c.length > 0 && c.length <= 65536)).toBe(true);
    expect(sink.chunks.slice(0, small).map(String)).toEqual(['one', 'two', 'three']);
    expect(sink.chunks.some((c) => c.length >= 32768)).toBe(true);
    expect(stats().delivered - before).toBe(sink.chunks.length);
    expect(sink.receiving).toBe(false);
    // Half-closed only: the socket still writes, and reads directly again (end of stream).
    await server.send(Buffer.from('still open'));
    expect((await client.recv(64)).toString()).toBe('still open');
    expect(await server.recv(64)).toHaveLength(0);
    client.close();
    server.close();
  });

  it('a bulk arrival hands the stream to the readiness readers after what the kernel already took: every byte once, in order', async () => {
    const [client, server] = await tcpPair();
    const before = stats();
    const sink = new HandingOffSink(server);
    expect(sink.startReceiving()).toBe(true);
    // Small messages stay on completions.
    for (const word of ['ping', 'pong']) {
      await client.send(Buffer.from(word));
      await waitFor(() => sink.data.toString().endsWith(word), `'${word}' delivered`);
    }
    expect(sink.reader).toBeUndefined();
    expect(sink.receiving).toBe(true);
    const bulk = new PatternSource(11).next(8 << 20);
    for (let at = 0; at < bulk.length; ) at += await client.send(bulk.subarray(at, at + 300_000));
    client.shutdown('write');
    await waitFor(() => sink.ended !== undefined, 'the end of stream');
    expect(sink.ended).toBe('complete');
    expect(sink.data.equals(Buffer.concat([Buffer.from('pingpong'), bulk]))).toBe(true);
    expect(sink.reader).toBeDefined();
    expect(sink.receiving).toBe(false);
    expect(stats().handOffs).toBe(before.handOffs + 1);
    await waitFor(() => stats().live <= before.live, 'the reception slot freed');
    client.close();
    server.close();
  });

  it('a reset reaches the sink as the typed recv error', async () => {
    const [client, server] = await tcpPair();
    const sink = receive(server);
    await client.send(Buffer.from('before the reset'));
    await waitFor(() => sink.bytes === 16, 'the bytes before the reset');
    client.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    client.close();
    await waitFor(() => sink.ended !== undefined, 'the reset');
    expect(sink.ended).toBe('error');
    expect(sink.error_).toMatchObject({ code: 'ECONNRESET', errno: 104, syscall: 'recv' });
    server.close();
  });

  it('stop() gives the socket back: awaited reads work again, and close() then sends the FIN at once', async () => {
    const [client, server] = await tcpPair();
    const live = stats().live;
    const sink = receive(server);
    await client.send(Buffer.from('a'));
    await waitFor(() => sink.bytes === 1, "'a' delivered");
    sink.stop();
    expect(sink.receiving).toBe(false);
    await client.send(Buffer.from('b'));
    expect((await server.recv(10)).toString()).toBe('b');
    expect(sink.data.toString()).toBe('a');
    expect(server.pendingOperations).toBe(0);
    server.close();
    // The cancelled request held the socket's file: had it outlived the cancel, no FIN would go.
    expect(await client.recv(10, 0, { timeout: 2000 })).toHaveLength(0);
    await waitFor(() => stats().live === live, 'the reception slot freed');
    client.close();
  });

  it('closing the socket while it receives cancels first: the peer sees the end, no fd stays open, the sink hears nothing more', async () => {
    const fds = openFds();
    const live = stats().live;
    const pairs = await Promise.all(Array.from({ length: 20 }, () => tcpPair()));
    const sinks = pairs.map(([, server]) => receive(server));
    expect(stats().live).toBe(live + 20);
    for (const [, server] of pairs) server.close();
    for (const [client] of pairs) expect(await client.recv(10, 0, { timeout: 2000 })).toHaveLength(0);
    for (const [client] of pairs) client.close();
    await waitFor(() => stats().live === live, 'every reception slot freed');
    expect(sinks.every((s) => s.ended === undefined && s.bytes === 0)).toBe(true);
    expect(openFds()).toBe(fds);
  });

  it('more arrivals at once than the pool has buffers: the receives that ran out are posted again, the pool grows, every byte arrives', async () => {
    const count = 150;
    const pairs = Array.from({ length: count }, () => Socket.pair(C.AF_UNIX, C.SOCK_STREAM));
    const sinks = pairs.map(([a]) => receive(a));
    const poolBefore = stats().poolSize;
    // Synchronous sends: each one's return lets the kernel complete that socket's receive, and
    // nothing is reaped until the loop yields, so the pool runs dry part-way.
    const payloads = pairs.map((_, i) => new PatternSource(i + 1).next(40_000));
    pairs.forEach(([, b], i) => expect(b.trySendv([payloads[i]!])).toBe(40_000));
    await waitFor(() => sinks.every((s) => s.bytes === 40_000), 'every payload');
    sinks.forEach((s, i) => expect(s.data.equals(payloads[i]!)).toBe(true));
    expect(stats().poolSize).toBeGreaterThan(Math.min(poolBefore, count - 1));
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  });

  it('a chunk size other than the pool buffers is left to the readiness readers (false), and a reception starts once', async () => {
    const [a, b] = Socket.pair();
    stats();
    const sink = new CollectingSink(a);
    expect(sink.startReceiving(4096)).toBe(false);
    expect(sink.receiving).toBe(false);
    expect(sink.startReceiving(65536)).toBe(true);
    expect(sink.startReceiving()).toBe(false);
    sink.stop();
    a.close();
    b.close();
  });

  it(`at most ${MAX_RECEPTIONS} sockets receive by completion at once: the next one is left to the readiness readers until one ends`, async () => {
    const [a, b] = Socket.pair();
    const live = stats().live;
    // Duplicates of one socket: each is a socket of its own to the reactor and the receiver.
    const sinks = Array.from({ length: MAX_RECEPTIONS - live }, () => receive(a.dup()));
    expect(stats().live).toBe(MAX_RECEPTIONS);
    const extra = new CollectingSink(a);
    expect(extra.startReceiving()).toBe(false);
    sinks[0]!.stop();
    await waitFor(() => stats().live < MAX_RECEPTIONS, 'the stopped reception freed');
    expect(extra.startReceiving()).toBe(true);
    extra.stop();
    for (const sink of sinks) sink.socket.close();
    // Receptions of earlier tests still being cancelled may have gone meanwhile too.
    await waitFor(() => stats().live <= live, 'every reception freed');
    a.close();
    b.close();
  });

  it('a referenced reception keeps the process alive until its end; unref() lets the process exit', () => {
    const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = (unref: boolean): string => `import { ChunkReception, Socket } from ${JSON.stringify(distIndex)};
      const [a, b] = Socket.pair();
      class Printer extends ChunkReception {
        closed = false;
        get socket() { return a; }
        next(c) { console.log('DATA ' + c); }
        error(e) { console.log('ERROR ' + e.code); }
        complete() { console.log('END'); a.close(); }
      }
      console.log(new Printer().startReceiving() ? 'BY COMPLETION' : 'ON READINESS');
      ${unref ? 'a.unref();' : ''}
      setTimeout(() => { console.log('STILL ALIVE'); b.send(Buffer.from('x')).then(() => b.close()); }, 300).unref();`;
    const run = (unref: boolean) => spawnSync(process.execPath, ['--input-type=module', '-e', script(unref)], { encoding: 'utf8', timeout: 10_000 });
    const kept = run(false);
    expect(kept.status).toBe(0);
    expect(kept.stdout.trim().split('\n')).toEqual(['BY COMPLETION', 'STILL ALIVE', 'DATA x', 'END']);
    const released = run(true);
    expect(released.status).toBe(0);
    expect(released.stdout.trim().split('\n')).toEqual(['BY COMPLETION']);
  });
});
