// One side of bench/tcp-throughput: `recv IMPL` listens on 127.0.0.1:0 and counts bytes to EOF;
// `send IMPL PORT BYTES CHUNK` connects and writes BYTES in CHUNK-sized writes, then half-closes.
// IMPL is `rxsock` or `net`. Each reports its wall time and process CPU time over the transfer.
import net from 'node:net';
import { childMain, cpuSince, tell } from './ipc.mjs';

const [role, impl, portArg, bytesArg, chunkArg] = process.argv.slice(2);
const HOST = '127.0.0.1';

childMain(async () => {
  if (impl === 'rxsock') {
    const rx = await import('./rx.mjs');
    if (role === 'recv') await rxRecv(rx);
    else await rxSend(rx, Number(portArg), Number(bytesArg), Number(chunkArg));
  } else if (impl === 'net') {
    if (role === 'recv') await netRecv();
    else await netSend(Number(portArg), Number(bytesArg), Number(chunkArg));
  } else throw new Error(`unknown impl ${impl}`);
  process.exit(0);
});

async function rxRecv(rx) {
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const server = rx.serveTcp(HOST, (c) => {
    server.close();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let bytes = 0;
    rx.readAll(c, (chunk) => {
      bytes += chunk.length;
    }).then(async () => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const cpu = cpuSince(cpu0);
      c.connection ? c.connection.close() : c.socket.close();
      await tell({ type: 'done', bytes, seconds, cpu, uses: [...rx.uses] });
      resolveDone();
    }, (e) => tell({ type: 'error', message: String(e?.stack ?? e) }));
  });
  await tell({ type: 'listening', port: server.port });
  await done;
}

async function rxSend(rx, port, total, chunkSize) {
  const chunk = Buffer.alloc(chunkSize, 0x61);
  const conn = await rx.connectTcp(HOST, port);
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
  await tell({ type: 'done', bytes: sent, seconds, cpu, uses: [...rx.uses] });
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
