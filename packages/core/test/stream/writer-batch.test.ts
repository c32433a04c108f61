import { afterEach, describe, expect, it } from 'vitest';
import { Socket, SocketError } from '../../src/index.js';
import { consumeChunks, SocketWriter } from '../../src/stream/index.js';
import { sys } from '../../src/sys/index.js';
import { CALL_NOT_MADE, sendBatch, swapSendBatch, type SyscallBatch } from '../../src/sys/syscall-batch.js';
import { PatternSource, sleep, spyBatch, tcpPair } from './helpers.js';

/** Everything the peer reads until end of stream. */
async function readAll(sock: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await consumeChunks(sock, (c) => {
    chunks.push(Buffer.from(c));
  });
  return Buffer.concat(chunks);
}

/** A batch that never reaches the kernel: `run` does what `behaviour` says. */
function fakeBatch(behaviour: 'not-sent' | 'throws'): SyscallBatch & { runs: number } {
  let count = 0;
  let used = 0;
  const fake = {
    runs: 0,
    capacity: 8,
    staging: Buffer.alloc(64 * 1024),
    get count() {
      return count;
    },
    room: (bytes: number) => count < 8 && used + bytes <= 64 * 1024,
    stage: (bytes: number) => {
      used += bytes;
      return used - bytes;
    },
    send: () => count++,
    recv: () => count++,
    offsetOf: () => 0,
    lengthOf: () => 0,
    take: () => CALL_NOT_MADE,
    run: () => {
      fake.runs++;
      count = 0;
      used = 0;
      if (behaviour === 'throws') throw new SocketError('io_uring_enter failed', { code: 'ENOMEM' });
    },
    result: () => CALL_NOT_MADE,
  };
  return fake;
}

/** A writer per socket, each given its text in the same tick: one shared flush for both. */
function writeOneEach(first: [Socket, string], second: [Socket, string]): [SocketWriter, SocketWriter] {
  const start = ([socket, text]: [Socket, string]): SocketWriter => {
    const writer = new SocketWriter(socket);
    writer.write(Buffer.from(text));
    return writer;
  };
  return [start(first), start(second)];
}

const real = sendBatch();
let restore: SyscallBatch | null | undefined;
afterEach(() => {
  if (restore !== undefined) swapSendBatch(restore);
  restore = undefined;
});

describe('SocketWriter: the writers of one flush go out in one batch', () => {
  it('this machine has the io_uring batch (the default everywhere it is allowed)', () => {
    // The benchmarks' numbers depend on it; a kernel that refuses io_uring fails here by name.
    expect(real, 'io_uring refused here (kernel.io_uring_disabled, seccomp?): sends are one system call each').not.toBeNull();
  });

  it('50 connections written in one tick: one batch, every byte in order on every connection', async () => {
    const spy = spyBatch(real!);
    restore = swapSendBatch(spy);
    const pairs = await Promise.all(Array.from({ length: 50 }, () => tcpPair()));
    const expected = pairs.map((_, i) => {
      const source = new PatternSource(i + 1);
      return [source.next(100), source.next(37), source.next(1000)];
    });
    const writers = pairs.map(([a]) => new SocketWriter(a));
    writers.forEach((w, i) => expected[i]!.forEach((chunk) => w.write(chunk)));
    const received = pairs.map(([, b]) => readAll(b));
    await Promise.all(writers.map((w) => w.end()));
    const got = await Promise.all(received);
    got.forEach((bytes, i) => expect(bytes.equals(Buffer.concat(expected[i]!)), `connection ${i}`).toBe(true));
    // One send per writer, all in the first run (three chunks each, gathered into one send).
    expect(spy.sends).toBe(50);
    expect(spy.runs).toBe(1);
    expect(spy.results.every((r) => r === 1137)).toBe(true);
    for (const [a, b] of pairs) {
      a.close();
      b.close();
    }
  });

  it('a full send buffer comes back as EAGAIN: the writer waits for room and loses nothing', async () => {
    const spy = spyBatch(real!);
    restore = swapSendBatch(spy);
    const [a, b] = Socket.pair();
    const [c, d] = Socket.pair();
    // Fill a's buffer behind the socket's back, so it still believes it is writable and the
    // batched send is what meets the full buffer.
    const filler = Buffer.alloc(16 * 1024, 0x55);
    let filled = 0;
    for (let n; (n = Number(sys().send(a.fileno(), filler, filler.length, 0x40))) > 0; ) filled += n;
    const wa = new SocketWriter(a);
    const wc = new SocketWriter(c);
    const payload = new PatternSource(7).next(500);
    wa.write(payload);
    wc.write(payload);
    let flushed = false;
    const flushing = wa.flush().then(() => (flushed = true));
    await sleep(20);
    expect(spy.results).toContain(-11); // EAGAIN, from the kernel through the ring
    expect(flushed).toBe(false);
    expect(wa.bufferedAmount).toBe(500);
    const fromA = readAll(b);
    const fromC = readAll(d);
    await flushing;
    await wa.end();
    await wc.end();
    const bytes = await fromA;
    expect(bytes.length).toBe(filled + 500);
    expect(bytes.subarray(filled).equals(payload)).toBe(true);
    expect((await fromC).equals(payload)).toBe(true);
    for (const s of [a, b, c, d]) s.close();
  });

  it('an error on one connection fails that writer with the typed send error; the others deliver', async () => {
    const spy = spyBatch(real!);
    restore = swapSendBatch(spy);
    const [a, b] = Socket.pair();
    const [c, d] = Socket.pair();
    b.close(); // a's peer is gone: its send fails with EPIPE
    const wa = new SocketWriter(a);
    const wc = new SocketWriter(c);
    wa.write(Buffer.from('lost'));
    wc.write(Buffer.from('kept'));
    const fromC = readAll(d);
    const failure = await wa.closed.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SocketError);
    expect(failure).toMatchObject({ code: 'EPIPE', syscall: 'send' });
    expect(spy.sends).toBe(2);
    await wc.end();
    expect((await fromC).toString()).toBe('kept');
    for (const s of [a, c, d]) s.close();
  });

  it('a queue above 16 KiB is sent directly, beside the batched ones', async () => {
    const spy = spyBatch(real!);
    restore = swapSendBatch(spy);
    const [a, b] = await tcpPair();
    const [c, d] = await tcpPair();
    const big = new PatternSource(3).next(48 * 1024);
    const small = new PatternSource(4).next(200);
    const wa = new SocketWriter(a);
    const wc = new SocketWriter(c);
    wa.write(big);
    wc.write(small);
    const fromA = readAll(b);
    const fromC = readAll(d);
    await Promise.all([wa.end(), wc.end()]);
    expect((await fromA).equals(big)).toBe(true);
    expect((await fromC).equals(small)).toBe(true);
    expect(spy.sends).toBe(1);
    for (const s of [a, b, c, d]) s.close();
  });

  it('a batch that did not send (CALL_NOT_MADE) leaves the writers to send directly', async () => {
    const fake = fakeBatch('not-sent');
    restore = swapSendBatch(fake);
    const [[a, b], [c, d]] = [Socket.pair(), Socket.pair()];
    const [wa, wc] = writeOneEach([a, 'one'], [c, 'two']);
    const fromA = readAll(b);
    const fromC = readAll(d);
    await Promise.all([wa.end(), wc.end()]);
    expect(fake.runs).toBe(1);
    expect((await fromA).toString()).toBe('one');
    expect((await fromC).toString()).toBe('two');
    for (const s of [a, c]) s.close();
  });

  it('a batch that fails destroys its writers with the error, and the next flush works', async () => {
    const fake = fakeBatch('throws');
    restore = swapSendBatch(fake);
    const [[a, b], [c, d]] = [Socket.pair(), Socket.pair()];
    const [wa, wc] = writeOneEach([a, 'one'], [c, 'two']);
    for (const w of [wa, wc]) await expect(w.closed).rejects.toMatchObject({ code: 'ENOMEM' });
    swapSendBatch(real);
    const [wd, wb] = writeOneEach([d, 'three'], [b, 'four']);
    const fromD = readAll(c);
    const fromB = readAll(a);
    await Promise.all([wd.end(), wb.end()]);
    expect((await fromD).toString()).toBe('three');
    expect((await fromB).toString()).toBe('four');
    for (const s of [a, b, c, d]) s.close();
  });
});
