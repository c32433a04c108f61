// The fast producer of bench/backpressure: connects to HOST:PORT and writes BYTES as fast as the
// connection takes them, in CHUNK-sized writes, waiting only when the writer says so (IMPL
// `rxsock`: @rxsock/inet connect() and Connection.writer, write() false → drain(); IMPL `net`:
// node:net write() false → 'drain'). The time spent waiting is the backpressure the producer
// felt. Every chunk is a different view of a random block (no copies), so reordered or lost
// chunks change the sha256.
// Its own user-space write queue (node:net writableLength, rxsock writer.bufferedAmount) is
// sampled every 100 ms: with backpressure it stays near the writer's high-water mark.
// Reports {type:'done', bytes, sha256, seconds, blockedSeconds, waits, peakBuffered}.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { childMain, tell } from './ipc.mjs';

const [impl, host, portArg, bytesArg, chunkArg] = process.argv.slice(2);
const PORT = Number(portArg);
const TOTAL = Number(bytesArg);
const CHUNK = Number(chunkArg);
const BLOCK = 1 << 20;
const base = randomBytes(BLOCK + CHUNK);

/** Chunk i: CHUNK bytes of the random block at an offset that differs for 2^20 / gcd chunks. */
function chunkAt(i, size) {
  const off = (i * 65537) % BLOCK;
  return base.subarray(off, off + size);
}

childMain(async () => {
  const hash = createHash('sha256');
  let blocked = 0;
  let waits = 0;
  let t0;
  let sent = 0;
  let buffered = () => 0;
  let peakBuffered = 0;
  const bufferTimer = setInterval(() => (peakBuffered = Math.max(peakBuffered, buffered())), 100);
  if (impl === 'rxsock') {
    const { connect } = await import('@rxsock/inet');
    const conn = await connect(host, PORT);
    const writer = conn.writer;
    buffered = () => writer.bufferedAmount;
    t0 = performance.now();
    for (let i = 0; sent < TOTAL; i++) {
      const chunk = chunkAt(i, Math.min(CHUNK, TOTAL - sent));
      hash.update(chunk);
      sent += chunk.length;
      if (!writer.write(chunk)) {
        const w0 = performance.now();
        await writer.drain();
        blocked += performance.now() - w0;
        waits++;
      }
    }
    const w0 = performance.now();
    await writer.end();
    blocked += performance.now() - w0;
    conn.close();
  } else {
    await new Promise((resolve, reject) => {
      const c = net.connect({ host, port: PORT }, () => {
        buffered = () => c.writableLength;
        t0 = performance.now();
        let i = 0;
        let w0 = 0;
        const pump = () => {
          if (w0) {
            blocked += performance.now() - w0;
            w0 = 0;
          }
          while (sent < TOTAL) {
            const chunk = chunkAt(i++, Math.min(CHUNK, TOTAL - sent));
            hash.update(chunk);
            sent += chunk.length;
            if (!c.write(chunk)) {
              waits++;
              w0 = performance.now();
              c.once('drain', pump);
              return;
            }
          }
          const e0 = performance.now();
          c.end(() => {
            blocked += performance.now() - e0;
            c.destroy();
            resolve();
          });
        };
        pump();
      });
      c.on('error', reject);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(bufferTimer);
  await tell({ type: 'done', bytes: sent, sha256: hash.digest('hex'), seconds, blockedSeconds: blocked / 1000, waits, peakBuffered });
  process.exit(0);
});
