// The slow consumer of bench/backpressure: listens on HOST:0, accepts one connection and
// processes its bytes at RATE bytes/s with an async handler per chunk (sha256 of the stream,
// then a timer that holds the pace on a virtual clock: each chunk is "done" at
// t0 + bytesSoFar / RATE), sampling its own RSS every 100 ms from before the connection.
// IMPL `rxsock`: @rxsock/inet tcpServer() and consumeChunks over the Connection's ChunkReader
// (`conn.reader`: the next chunk is asked for only when the handler settled; the reader drops
// read interest when its read-ahead is full, so TCP's window closes), with `recycle: true` (each
// chunk's buffer is given back for a later read once its handler settled);
// IMPL `rxsock-copy`: the same with consumeChunks' defaults (a fresh buffer per read, freed by GC);
// IMPL `rxsock-duplex`: the Connection as a Node stream.Duplex (core's toDuplex) into a Writable
// whose write() settles when the handler has, joined by stream.pipeline: push() returning false
// pauses the reader (read interest dropped);
// IMPL `rxsock-web`: the Connection as Web Streams (core's toWebStreams): its byte
// ReadableStream piped (pipeTo) into a WritableStream whose write() is the handler;
// IMPL `net`: node:net with pause() in 'data' and resume() when the handler settled (this
// process never loads rxsock).
// Reports {type:'done', bytes, sha256, seconds, rss:{baseline, peak, ...}, cpu:{user, system, total} (us, from the
// baseline sample on), chunks}.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { childMain, cpuSince, sleep, tell } from './ipc.mjs';
import { RssSampler } from './rss-sampler.mjs';

const [impl, host, rateArg] = process.argv.slice(2);
const RATE = Number(rateArg);

childMain(async () => {
  const hash = createHash('sha256');
  let bytes = 0;
  let chunks = 0;
  let t0 = 0;
  // The async work per chunk: hash it, then wait until the virtual clock says it is done.
  const handle = async (chunk) => {
    if (chunks === 0) t0 = performance.now();
    chunks++;
    hash.update(chunk);
    bytes += chunk.length;
    const wait = t0 + (bytes / RATE) * 1000 - performance.now();
    if (wait >= 1) await sleep(wait);
  };
  // Loaded before the baseline sample, so the baseline carries each side's own modules.
  let rx;
  if (impl.startsWith('rxsock')) {
    const [{ consumeChunks, toDuplex, toWebStreams }, { tcpServer }] = await Promise.all([import('@rxsock/core'), import('@rxsock/inet')]);
    rx = { consumeChunks, tcpServer, toDuplex, toWebStreams };
  }
  globalThis.gc?.();
  await sleep(100);
  const cpu0 = process.cpuUsage();
  const sampler = new RssSampler(100).start();
  const baseline = sampler.sample();
  let api;
  let port;
  let finished;
  // Bytes read from the socket and not yet handed to the handler (user-space queue), sampled too.
  let queued = () => 0;
  let peakQueued = 0;
  const queueTimer = setInterval(() => {
    const q = queued();
    if (q > peakQueued) peakQueued = q;
  }, 100);
  if (impl === 'net') {
    api = "node:net 'data' + pause()/resume() around the async handler";
    finished = new Promise((resolve, reject) => {
      const server = net.createServer((c) => {
        server.close();
        queued = () => c.readableLength;
        c.on('data', (chunk) => {
          c.pause();
          handle(chunk).then(() => c.resume(), reject);
        });
        c.on('end', () => {
          c.destroy();
          resolve();
        });
        c.on('error', reject);
      });
      server.listen(0, host, () => {
        port = server.address().port;
        tell({ type: 'listening', port, baseline, api });
      });
    });
  } else if (impl === 'rxsock-duplex' || impl === 'rxsock-web') {
    const web = impl === 'rxsock-web';
    api = web
      ? 'inet tcpServer() + toWebStreams(conn).readable (BYOB byte source) .pipeTo(WritableStream(handler))'
      : 'inet tcpServer() + stream.pipeline(toDuplex(conn), Writable(handler))';
    const server = rx.tcpServer({ host, port: 0 });
    const accepted = server.accept();
    port = server.port;
    await tell({ type: 'listening', port, baseline, api });
    finished = accepted.then(async (conn) => {
      server.close();
      if (web) {
        // bytes the readable side has handed on and the handler has not finished
        let read = 0;
        let handled = 0;
        queued = () => read - handled;
        const { readable } = rx.toWebStreams(conn);
        const counted = readable.pipeThrough(new TransformStream({ transform(chunk, controller) { read += chunk.byteLength; controller.enqueue(chunk); } }));
        await counted.pipeTo(new WritableStream({ write: async (chunk) => { await handle(chunk); handled += chunk.byteLength; } }));
        conn.close();
      } else {
        const { pipeline } = await import('node:stream/promises');
        const { Writable } = await import('node:stream');
        const duplex = rx.toDuplex(conn, { allowHalfOpen: true });
        const sink = new Writable({ write: (chunk, _encoding, callback) => void handle(chunk).then(() => callback(), callback) });
        queued = () => duplex.readableLength + sink.writableLength;
        await pipeline(duplex, sink);
        duplex.destroy();
      }
    });
  } else {
    const recycle = impl === 'rxsock';
    api = `inet tcpServer() + consumeChunks(Connection.reader, handler${recycle ? ', { recycle: true }' : ''})`;
    const server = rx.tcpServer({ host, port: 0 });
    const accepted = server.accept();
    port = server.port;
    await tell({ type: 'listening', port, baseline, api });
    finished = accepted.then(async (conn) => {
      server.close();
      const reader = conn.reader;
      queued = () => reader.buffered;
      try {
        await rx.consumeChunks(reader, handle, { recycle });
      } finally {
        conn.close();
      }
    });
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  const rss = sampler.stop();
  const cpu = cpuSince(cpu0);
  clearInterval(queueTimer);
  await tell({ type: 'done', bytes, chunks, sha256: hash.digest('hex'), seconds, rss: { baseline, ...rss }, cpu, peakQueued, api });
  process.exit(0);
});
