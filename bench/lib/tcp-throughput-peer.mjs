// One side of bench/tcp-throughput: `recv IMPL` listens on 127.0.0.1:0 and counts bytes to EOF;
// `send IMPL PORT BYTES CHUNK` connects and writes BYTES in CHUNK-sized writes, then half-closes.
// IMPL `rxsock`: @rxsock/inet — tcpServer().connections$ and Connection.input$ on the receiver,
// connect() and Connection.writer (write() / drain() / end()) on the sender. IMPL `net`: node:net
// with a 'data' listener / write() + 'drain'. Each reports its wall time and process CPU time
// over the transfer. The node:net processes never load rxsock (it is imported in the rxsock
// branch only), so neither side carries the other's modules.
import net from 'node:net';
import { childMain, cpuSince, tell } from './ipc.mjs';

const [role, impl, portArg, bytesArg, chunkArg] = process.argv.slice(2);
const HOST = '127.0.0.1';
const API = {
  recv: 'inet tcpServer().connections$ + Connection.input$',
  send: 'inet connect() + Connection.writer write()/drain()/end()',
};

childMain(async () => {
  if (impl === 'rxsock') {
    const inet = await import('@rxsock/inet');
    if (role === 'recv') await rxRecv(inet);
    else await rxSend(inet, Number(portArg), Number(bytesArg), Number(chunkArg));
  } else if (impl === 'net') {
    if (role === 'recv') await netRecv();
    else await netSend(Number(portArg), Number(bytesArg), Number(chunkArg));
  } else throw new Error(`unknown impl ${impl}`);
  process.exit(0);
});

async function rxRecv({ tcpServer }) {
  const server = tcpServer({ host: HOST, port: 0 });
  const accepted = server.accept();
  await tell({ type: 'listening', port: server.port });
  const conn = await accepted;
  server.close();
  // The first Observable loads rxjs (rxsock loads it on first use): an application has done that
  // long before a transfer, so it happens here, outside the timed transfer, as node:net's modules
  // are loaded before its side's clock starts.
  const input$ = conn.input$;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  await new Promise((resolve, reject) => {
    input$.subscribe({
      next: (chunk) => {
        bytes += chunk.length;
      },
      error: reject,
      complete: resolve,
    });
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSince(cpu0);
  conn.close();
  await tell({ type: 'done', bytes, seconds, cpu, api: API.recv });
}

async function rxSend({ connect }, port, total, chunkSize) {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  const conn = await connect(HOST, port);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const writer = conn.writer;
  let sent = 0;
  while (sent < total) {
    const piece = total - sent >= chunkSize ? chunk : chunk.subarray(0, total - sent);
    sent += piece.length;
    if (!writer.write(piece)) await writer.drain();
  }
  await writer.end();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSince(cpu0);
  await tell({ type: 'done', bytes: sent, seconds, cpu, api: API.send });
  conn.close();
}

function netRecv() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((c) => {
      srv.close();
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let bytes = 0;
      c.on('data', (d) => {
        bytes += d.length;
      });
      c.on('error', reject);
      c.on('end', async () => {
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = cpuSince(cpu0);
        c.destroy();
        await tell({ type: 'done', bytes, seconds, cpu });
        resolve();
      });
    });
    srv.listen(0, HOST, () => tell({ type: 'listening', port: srv.address().port }));
  });
}

function netSend(port, total, chunkSize) {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: HOST, port }, () => {
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const piece = total - sent >= chunkSize ? chunk : chunk.subarray(0, total - sent);
          sent += piece.length;
          if (!c.write(piece)) return c.once('drain', pump);
        }
        c.end(async () => {
          const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
          const cpu = cpuSince(cpu0);
          await tell({ type: 'done', bytes: sent, seconds, cpu });
          c.destroy();
          resolve();
        });
      };
      pump();
    });
    c.on('error', reject);
  });
}
