/**
 * The core Socket's awaited TCP reads by completion (socket/completion-reads.ts): once a read
 * has to wait, the kernel delivers the stream's arrivals and the reads take them from memory.
 * Real TCP sockets on loopback; the kernel must support receiving by completion (Linux 6.0 or
 * later with io_uring allowed): where it does not, these tests fail and say so.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BURSTS_AND_PACED_WRITES, pythonWriter } from '@rxsock/testing';
import { C, ChunkReader, MessageBatch, Socket, SocketError } from '../../src/index.js';
import { PatternSource, sleep, stats, tcpPair, waitFor } from '../stream/helpers.js';

/** Reads exactly `total` bytes with recvInto calls of at most `size` bytes each. */
async function readExactly(socket: Socket, total: number, size: number): Promise<Buffer> {
  const out = Buffer.alloc(total);
  let got = 0;
  while (got < total) {
    const n = await socket.recvInto(out.subarray(got, Math.min(total, got + size)));
    if (n === 0) throw new Error(`end of stream after ${got} of ${total} bytes`);
    got += n;
  }
  return out;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

/**
 * A Python program in another process (see {@link pythonWriter}) that connects to a listener
 * here and runs `body`: the accepted socket, and the stream's length once the program has exited.
 */
async function acceptPythonWriter(body: string): Promise<{ server: Socket; written: Promise<number> }> {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind(['127.0.0.1', 0]);
  listener.listen(1);
  const written = pythonWriter((listener.getsockname() as { port: number }).port, body);
  const [server] = await listener.accept();
  listener.close();
  return { server, written };
}

describe('Socket reads by completion', () => {
  it('a request/response exchange takes its answers from completions, every byte in order', async () => {
    const [client, server] = await tcpPair();
    const before = stats().delivered;
    const echo = (async () => {
      const buf = Buffer.alloc(65536);
      for (;;) {
        const n = await server.recvInto(buf);
        if (n === 0) return;
        await server.sendAll(buf.subarray(0, n));
      }
    })();
    const source = new PatternSource(3);
    for (let i = 0; i < 300; i++) {
      const request = source.next(1 + ((i * 97) % 2000));
      await client.sendAll(request);
      expect((await readExactly(client, request.length, 65536)).equals(request)).toBe(true);
    }
    // Both ends' waits were answered by arrivals, not by epoll and recv.
    expect(stats().delivered - before).toBeGreaterThanOrEqual(600);
    client.close();
    await echo;
    server.close();
  });

  it('every read form takes the same ordered stream: recv, recvInto, recvFrom, recvMsg, MSG_PEEK, small buffers', async () => {
    const [client, server] = await tcpPair();
    const source = new PatternSource(11);
    const expected = new PatternSource(11);
    const sizes = Array.from({ length: 200 }, (_, i) => 1 + ((i * 131) % 5000));
    const sent = sizes.reduce((a, b) => a + b, 0);
    const writer = (async () => {
      for (const [i, size] of sizes.entries()) {
        await client.sendAll(source.next(size));
        if (i % 7 === 0) await sleep(1);
      }
    })();
    let total = 0;
    for (let i = 0; total < sent; i++) {
      let chunk: Buffer;
      switch (i % 5) {
        case 0:
          chunk = await server.recv(1000);
          break;
        case 1: {
          const buf = Buffer.alloc(777);
          chunk = buf.subarray(0, await server.recvInto(buf));
          break;
        }
        case 2:
          [chunk] = await server.recvFrom(4096);
          break;
        case 3:
          chunk = (await server.recvMsg(3000)).data;
          break;
        default: {
          const peeked = await server.recv(64, C.MSG_PEEK);
          chunk = await server.recv(peeked.length);
          expect(chunk.equals(peeked)).toBe(true);
        }
      }
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.equals(expected.next(chunk.length))).toBe(true);
      total += chunk.length;
    }
    await writer;
    client.close();
    expect((await server.recv(10)).length).toBe(0);
    server.close();
  });

  it("a peer in another process (Python's socket module) writing as fast as it can: every byte once, in order", async () => {
    // 20,000 writes of 1-97 bytes: the byte at stream offset k is k % 251.
    const { server, written } = await acceptPythonWriter(`k = 0
for i in range(20000):
    n = 1 + (i * 37) % 97
    s.sendall(bytes((k + j) % 251 for j in range(n)))
    k += n`);
    const before = stats().delivered;
    const received: Buffer[] = [];
    const buf = Buffer.alloc(4096);
    for (let i = 0; ; i++) {
      // Read sizes that split and join the peer's writes.
      const n = await server.recvInto(buf, 1 + ((i * 53) % 4096));
      if (n === 0) break;
      received.push(Buffer.from(buf.subarray(0, n)));
    }
    const data = Buffer.concat(received);
    expect(data.length).toBe(await written);
    expect(data.every((byte, k) => byte === k % 251)).toBe(true);
    expect(stats().delivered).toBeGreaterThan(before);
    server.close();
  });

  it('a loop that awaits other work between its reads keeps its request: every message by completion, none ended', async () => {
    const [client, server] = await tcpPair();
    const served = (async () => {
      const buf = Buffer.alloc(1024);
      for (;;) {
        const n = await server.recvInto(buf);
        if (n === 0) return;
        // Other work between reads, spanning event-loop turns (a timer, as a query would).
        await sleep(1);
        await server.send(buf.subarray(0, n));
      }
    })();
    const before = stats();
    for (let i = 0; i < 50; i++) {
      await client.send(Buffer.from(`request ${i}`));
      expect((await client.recv(100)).toString()).toBe(`request ${i}`);
    }
    const after = stats();
    expect(after.delivered - before.delivered).toBeGreaterThanOrEqual(100);
    expect(after.handOffs).toBe(before.handOffs);
    client.close();
    await served;
    server.close();
  });

  it('a request whose reader went away ends within a second; later bytes stay in the kernel until a read asks', async () => {
    const [client, server] = await tcpPair();
    const live = stats().live;
    const pending = server.recv(100);
    await waitFor(() => stats().live === live + 1, 'the request posted');
    await client.send(Buffer.from('first'));
    expect((await pending).toString()).toBe('first');
    // The reader is away, not gone for long yet: the request still takes what comes.
    await client.send(Buffer.from('second'));
    await waitFor(() => stats().live === live, 'the request ended', 3000);
    const delivered = stats().delivered;
    await client.send(Buffer.from('third'));
    await sleep(50);
    expect(stats().delivered).toBe(delivered);
    // What the request held comes first, then what waited in the kernel.
    expect((await server.recv(6)).toString()).toBe('second');
    expect((await server.recv(100)).toString()).toBe('third');
    client.close();
    server.close();
  });

  it('a bulk transfer goes back to readiness, after what the request held: every byte once, in order', async () => {
    const [client, server] = await tcpPair();
    const handOffs = stats().handOffs;
    const first = server.recv(10);
    await client.send(Buffer.from('x'));
    expect((await first).toString()).toBe('x');
    const total = 8 << 20;
    const source = new PatternSource(5);
    const writer = (async () => {
      for (let sent = 0; sent < total; sent += 65536) await client.sendAll(source.next(65536));
    })();
    const data = await readExactly(server, total, 65536);
    await writer;
    expect(data.equals(new PatternSource(5).next(total))).toBe(true);
    expect(stats().handOffs).toBeGreaterThan(handOffs);
    // On readiness from here: a read that waits posts no request (and the earlier tests' cancels are done).
    await waitFor(() => stats().live === 0, 'no request posted');
    const next = server.recv(10);
    await sleep(20);
    expect(stats().live).toBe(0);
    await client.send(Buffer.from('y'));
    expect((await next).toString()).toBe('y');
    client.close();
    server.close();
  });

  it('after a bulk transfer, a request/response exchange gets its completion request back after 16 waits; bulk again goes back to readiness', async () => {
    const [client, server] = await tcpPair();
    const source = new PatternSource(21);
    const expected = new PatternSource(21);
    const bulk = async (total: number): Promise<void> => {
      const writer = (async () => {
        for (let sent = 0; sent < total; sent += 65536) await client.sendAll(source.next(65536));
      })();
      expect((await readExactly(server, total, 65536)).equals(expected.next(total))).toBe(true);
      await writer;
    };
    const exchange = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const reply = server.recv(100);
        await sleep(1); // the read waits
        await client.send(source.next(10));
        expect((await reply).equals(expected.next(10))).toBe(true);
      }
    };
    const first = server.recv(10);
    await client.send(source.next(1));
    expect((await first).equals(expected.next(1))).toBe(true);
    let handOffs = stats().handOffs;
    await bulk(4 << 20);
    expect(stats().handOffs).toBeGreaterThan(handOffs);
    await waitFor(() => stats().live === 0, 'the request ended');
    // On readiness: 15 reads wait on epoll, and no request is posted for them.
    const delivered = stats().delivered;
    await exchange(15);
    expect(stats().live).toBe(0);
    expect(stats().delivered).toBe(delivered);
    // The 16th wait posts a request again: from here the replies arrive by completion.
    await exchange(10);
    expect(stats().live).toBe(1);
    expect(stats().delivered - delivered).toBeGreaterThanOrEqual(9);
    // Bulk again: back to readiness, every byte in order across the switches.
    handOffs = stats().handOffs;
    await bulk(4 << 20);
    expect(stats().handOffs).toBeGreaterThan(handOffs);
    await waitFor(() => stats().live === 0, 'the request ended');
    await exchange(3);
    expect(stats().live).toBe(0);
    client.close();
    server.close();
  });

  it("a peer in another process alternating bulk bursts and paced small messages: both switches every time, every byte once, in order", async () => {
    const { server, written } = await acceptPythonWriter(BURSTS_AND_PACED_WRITES);
    const before = stats();
    const received: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = await server.recvInto(buf);
      if (n === 0) break;
      received.push(Buffer.from(buf.subarray(0, n)));
    }
    const data = Buffer.concat(received);
    expect(data.length).toBe(await written);
    expect(data.every((byte, k) => byte === k % 251)).toBe(true);
    // Each burst found the socket receiving by completion again, and handed it to readiness.
    expect(stats().handOffs - before.handOffs).toBeGreaterThanOrEqual(5);
    expect(stats().delivered - before.delivered).toBeGreaterThanOrEqual(5 * 20);
    server.close();
  });

  it('the end of stream and a reset come as recv gives them: 0 (again and again), the typed ECONNRESET', async () => {
    const [a, b] = await tcpPair();
    const atEnd = b.recv(10);
    await sleep(10);
    a.close();
    expect((await atEnd).length).toBe(0);
    expect((await b.recv(10)).length).toBe(0);
    b.close();

    const [c, d] = await tcpPair();
    const reset = d.recv(10);
    await sleep(10);
    await c.send(Buffer.from('before'));
    expect((await reset).toString()).toBe('before');
    const failing = d.recv(10);
    c.setOption('SO_LINGER', { enabled: true, seconds: 0 });
    c.close();
    const error = await failing.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect(error).toMatchObject({ code: 'ECONNRESET', syscall: 'recv' });
    d.close();
  });

  it('a read that times out loses nothing: the bytes that come later go to the next read', async () => {
    const [client, server] = await tcpPair();
    await expect(server.recv(10, 0, { timeout: 30 })).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await client.send(Buffer.from('late'));
    expect((await server.recv(10)).toString()).toBe('late');
    const aborted = new AbortController();
    const read = server.recv(10, 0, { signal: aborted.signal });
    aborted.abort(new Error('not wanted'));
    await expect(read).rejects.toThrow('not wanted');
    await client.send(Buffer.from('kept'));
    expect((await server.recv(10)).toString()).toBe('kept');
    client.close();
    server.close();
  });

  it('closing or detaching while a read waits cancels the request first: the peer sees the end, no fd stays open', async () => {
    // The earlier tests' requests have all ended (their sockets are closed).
    await waitFor(() => stats().live === 0, 'no request left from earlier tests');
    const fds = openFds();
    const live = stats().live;
    const pairs = await Promise.all(Array.from({ length: 10 }, () => tcpPair()));
    const reads = pairs.map(([, server]) => server.recv(10).then(() => 'resolved', (e: unknown) => (e as SocketError).code));
    await waitFor(() => stats().live === live + 10, 'ten requests posted');
    const detached: number[] = [];
    pairs.forEach(([, server], i) => (i % 2 === 0 ? server.close() : detached.push(server.detach())));
    expect(await Promise.all(reads)).toEqual(Array(10).fill('EBADF'));
    // A detached fd is the caller's: the posted request must not hold its data back or its file open.
    for (const fd of detached) Socket.fromFd(fd).close();
    for (const [client] of pairs) expect(await client.recv(10, 0, { timeout: 2000 })).toHaveLength(0);
    for (const [client] of pairs) client.close();
    await waitFor(() => stats().live === live, 'every request ended');
    expect(openFds()).toBe(fds);
  });

  it('pausing reads ends the request: what arrives waits in the kernel until reads resume, then the waiting read gets it', async () => {
    const [client, server] = await tcpPair();
    const live = stats().live;
    const first = server.recv(10);
    await client.send(Buffer.from('a'));
    expect((await first).toString()).toBe('a');
    const waiting = server.recv(10);
    await waitFor(() => stats().live === live + 1, 'a request posted for the waiting read');
    server.setReadInterest(false);
    await waitFor(() => stats().live === live, 'the request ended by the pause');
    await client.send(Buffer.from('b'));
    let got: string | undefined;
    void waiting.then((d) => (got = d.toString()));
    await sleep(50);
    expect(got).toBeUndefined();
    server.setReadInterest(true);
    expect((await waiting).toString()).toBe('b');
    client.close();
    server.close();
  });

  it('a stream reader armed after awaited reads takes over without losing or reordering a byte', async () => {
    const [client, server] = await tcpPair();
    const source = new PatternSource(9);
    const first = server.recv(100);
    await client.send(source.next(50));
    expect((await first).length).toBe(50);
    // Bytes arrive while a read waits and after it: some are held by the request when the reader comes.
    const waiting = server.recv(10);
    await client.sendAll(source.next(3000));
    const head = await waiting;
    const reader = new ChunkReader(server);
    const chunks: Buffer[] = [head];
    let ended = false;
    reader.attachSink({ closed: false, next: (c: Buffer) => chunks.push(Buffer.from(c)), error: (e: unknown) => { throw e; }, complete: () => (ended = true) });
    reader.request(Infinity);
    await client.sendAll(source.next(5000));
    client.close();
    await waitFor(() => ended, 'the reader reached the end');
    expect(Buffer.concat(chunks).equals(new PatternSource(9).next(8050).subarray(50))).toBe(true);
    server.close();
  });

  it('two reads waiting at once share an arrival in order; one it does not reach waits for the next, and no read sees an end', async () => {
    const [client, server] = await tcpPair();
    const warm = server.recv(10);
    await client.send(Buffer.from('0'));
    expect((await warm).toString()).toBe('0');
    const first = server.recv(4);
    const second = server.recv(100);
    await client.send(Buffer.from('abcdefghij'));
    expect((await first).toString()).toBe('abcd');
    expect((await second).toString()).toBe('efghij');
    const third = server.recv(100);
    const fourth = server.recv(100);
    await client.send(Buffer.from('klm'));
    expect((await third).toString()).toBe('klm');
    let settled = false;
    void fourth.then(() => (settled = true));
    await sleep(20);
    expect(settled).toBe(false);
    await client.send(Buffer.from('nopqrstuvw'));
    expect((await fourth).toString()).toBe('nopqrstuvw');
    // What the waiting reads leave of an arrival is kept for the next ones.
    const fifth = server.recv(2);
    await client.send(Buffer.from('xyz!'));
    expect((await fifth).toString()).toBe('xy');
    await sleep(10);
    expect((await server.recv(100)).toString()).toBe('z!');
    client.close();
    server.close();
  });

  it('recvBatch after awaited reads takes what the request held first, a slot of the stream per message, then the kernel', async () => {
    const [client, server] = await tcpPair();
    const source = new PatternSource(12);
    const expected = new PatternSource(12).next(12000);
    const waiting = server.recv(10);
    await client.sendAll(source.next(3000));
    const got: Buffer[] = [await waiting];
    await sleep(10);
    const batch = new MessageBatch(4, 1000);
    const soon = { timeout: 2000 };
    // A peek fills one message and leaves the bytes where they are.
    expect(await server.recvBatch(batch, C.MSG_PEEK, soon)).toBe(1);
    expect(batch.data(0).equals(expected.subarray(10, 1010))).toBe(true);
    await client.sendAll(source.next(5000));
    await sleep(10);
    // The request took all 7990 bytes sent so far: the kernel has none, memory has them all.
    const lengths: number[] = [];
    let total = 10;
    while (total < 8000) {
      const n = await server.recvBatch(batch, 0, soon);
      for (let i = 0; i < n; i++) {
        expect(batch.address(i)).toBeNull();
        got.push(Buffer.from(batch.data(i)));
        lengths.push(batch.length(i));
        total += batch.length(i);
      }
    }
    expect(lengths).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000, 990]);
    // Then the kernel: what comes next is read by recvmmsg on readiness.
    await client.sendAll(source.next(4000));
    while (total < 12000) {
      const n = await server.recvBatch(batch, 0, soon);
      for (let i = 0; i < n; i++) {
        got.push(Buffer.from(batch.data(i)));
        total += batch.length(i);
      }
    }
    expect(Buffer.concat(got).equals(expected)).toBe(true);
    client.close();
    server.close();
  });

  it('recvMsg with ancillary data reads from the kernel again (after what the request held)', async () => {
    const [client, server] = await tcpPair();
    const live = stats().live;
    const first = server.recv(10);
    await client.send(Buffer.from('a'));
    expect((await first).toString()).toBe('a');
    // TCP attaches a receive timestamp to what recvmsg returns (tcp_recv_timestamp).
    server.setOption('SO_TIMESTAMP', true);
    const msg = server.recvMsg(10, 64);
    await sleep(10);
    // No request is posted for it: the kernel's recvmsg must see the bytes to attach their TOS.
    expect(stats().live).toBe(live);
    await client.send(Buffer.from('b'));
    const got = await msg;
    expect(got.data.toString()).toBe('b');
    expect(got.ancillary.length).toBeGreaterThan(0);
    client.close();
    server.close();
  });

  it('a read waiting by completion keeps the process alive; unref() lets it exit', () => {
    const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
    const script = (unref: boolean): string => `import { C, Socket } from ${JSON.stringify(distIndex)};
      const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
      listener.bind(['127.0.0.1', 0]);
      listener.listen(1);
      const a = Socket.create(C.AF_INET, C.SOCK_STREAM);
      const [[b]] = await Promise.all([listener.accept(), a.connect(['127.0.0.1', listener.getsockname().port])]);
      listener.close();
      a.recv(10).then((d) => { console.log('DATA ' + d); a.close(); b.close(); });
      ${unref ? 'a.unref();' : ''}
      setTimeout(() => { console.log('STILL ALIVE'); b.send(Buffer.from('x')); }, 300).unref();`;
    const run = (unref: boolean) => spawnSync(process.execPath, ['--input-type=module', '-e', script(unref)], { encoding: 'utf8', timeout: 10_000 });
    const kept = run(false);
    expect(kept.stderr).toBe('');
    expect(kept.stdout.trim().split('\n')).toEqual(['STILL ALIVE', 'DATA x']);
    const released = run(true);
    expect(released.status).toBe(0);
    expect(released.stdout.trim()).toBe('');
  });
});
