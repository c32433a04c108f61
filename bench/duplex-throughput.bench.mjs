// What core's SocketDuplex costs as a Node stream, without TLS on top: 1 GiB written in 64 KiB
// writes (a fresh buffer each, as node:tls hands them over) and 1 GiB read by a 'data' listener
// that copies each chunk (as node:tls copies into OpenSSL), through three streams in this
// process: rxsock's SocketDuplex (reading with lendChunks, as inet's TLS does), a minimal JS
// stream.Duplex wrapping a net.Socket (lib/js-stream-duplex.mjs: what node:tls sees over any
// stream that is not a net.Socket) and the net.Socket itself. The other end is a node:net child
// process (a sink or a source). Reports CPU seconds per GiB of this process, median of ROUNDS
// with paired per-round ratios (lower is better), against each of the two others.
// Env: BYTES (default 1 GiB), ROUNDS (default 5).
// Measured 2026-12-03, 2 cores shared with other work, 5 rounds (medians [min-max], ratios
// paired by round):
//   write: rxsock 1.19 [0.97-1.25] CPU s/GiB, js-stream 1.28 (ratio 1.07 [0.99-1.39]),
//     net.Socket 1.18 (0.99 [0.94-1.28]): the same cost within the spread.
//   read: rxsock 0.60 [0.42-0.72], js-stream 1.24 (ratio 2.07 [1.60-2.95]), net.Socket 1.13
//     (1.87 [1.69-3.08]): a lending SocketDuplex reuses its 64 KiB read buffers, where net.Socket
//     allocates one per read and leaves it to the garbage collector.
// So under node:tls (bench/tls-throughput) the adapter itself is not where rxsock loses to the
// js-stream floor.
import net from 'node:net';
import { spawn } from 'node:child_process';
import { toDuplex } from '@rxsock/core';
import { connect, tcpServer } from '@rxsock/inet';
import { JsStreamDuplex } from './lib/js-stream-duplex.mjs';
import { report } from './report.mjs';

const BYTES = Number(process.env.BYTES ?? 2 ** 30);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WRITE = 65536;
const IMPLS = ['rxsock', 'jsstream', 'net'];

/** A node:net child: `sink` prints its port and discards; `source` connects to the ports it is sent and writes BYTES to each. */
function child(role) {
  const code =
    role === 'sink'
      ? "const s=require('net').createServer((c)=>c.on('data',()=>{})).listen(0,'127.0.0.1',()=>console.log(s.address().port))"
      : `const net=require('net');const b=Buffer.alloc(${WRITE},97);process.stdin.on('data',(d)=>{const s=net.connect(Number(String(d)),'127.0.0.1',()=>{let n=0;const go=()=>{while(n<${BYTES}){n+=b.length;if(!s.write(b)){s.once('drain',go);return}}s.end()};go()})})`;
  return spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function writeRound(impl, port) {
  let stream;
  if (impl === 'rxsock') stream = toDuplex(await connect('127.0.0.1', port), { allowHalfOpen: true, lendChunks: true });
  else {
    const raw = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve, reject) => raw.once('connect', resolve).once('error', reject));
    stream = impl === 'jsstream' ? new JsStreamDuplex(raw) : raw;
  }
  const block = Buffer.alloc(WRITE, 0x61);
  const cpu0 = process.cpuUsage();
  for (let sent = 0; sent < BYTES; sent += WRITE) {
    if (!stream.write(Buffer.from(block))) await new Promise((resolve) => stream.once('drain', resolve));
  }
  await new Promise((resolve) => stream.end(resolve));
  const cpu = process.cpuUsage(cpu0);
  stream.destroy();
  return (cpu.user + cpu.system) / 1e6;
}

async function readRound(impl, source) {
  let server;
  const accepted = new Promise((resolve) => {
    if (impl === 'rxsock') {
      server = tcpServer({ host: '127.0.0.1', port: 0 });
      const sub = server.connections$.subscribe((conn) => {
        sub.unsubscribe();
        resolve(toDuplex(conn, { allowHalfOpen: true, lendChunks: true }));
      });
    } else {
      server = net.createServer((raw) => resolve(impl === 'jsstream' ? new JsStreamDuplex(raw) : raw));
    }
  });
  if (impl !== 'rxsock') await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  source.stdin.write(String(impl === 'rxsock' ? server.port : server.address().port));
  const stream = await accepted;
  const copy = Buffer.allocUnsafe(WRITE);
  let got = 0;
  const cpu0 = process.cpuUsage();
  await new Promise((resolve, reject) => {
    stream.on('data', (chunk) => {
      for (let at = 0; at < chunk.length; at += WRITE) chunk.copy(copy, 0, at, Math.min(chunk.length, at + WRITE));
      got += chunk.length;
    });
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  const cpu = process.cpuUsage(cpu0);
  stream.destroy();
  server.close();
  if (got !== BYTES) throw new Error(`${impl}: read ${got} of ${BYTES} bytes`);
  return (cpu.user + cpu.system) / 1e6;
}

const sink = child('sink');
const source = child('source');
const gib = BYTES / 2 ** 30;
const cpu = { write: { rxsock: [], jsstream: [], net: [] }, read: { rxsock: [], jsstream: [], net: [] } };
try {
  const port = await new Promise((resolve) => sink.stdout.once('data', (d) => resolve(Number(String(d)))));
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < IMPLS.length; k++) {
      const impl = IMPLS[(i + k) % IMPLS.length];
      cpu.write[impl].push((await writeRound(impl, port)) / gib);
      cpu.read[impl].push((await readRound(impl, source)) / gib);
    }
  }
} finally {
  sink.kill();
  source.kill();
}
const PEERS = { jsstream: 'a minimal JS stream.Duplex wrapping node:net (what node:tls sees over any non-net.Socket stream)', net: 'node:net (net.Socket)' };
for (const side of ['write', 'read']) {
  for (const peer of ['jsstream', 'net']) {
    report({
      name: `duplex-${side}-cpu${peer === 'net' ? '-vs-net' : ''}`,
      unit: 'CPU s/GiB',
      rxsock: cpu[side].rxsock,
      peer: cpu[side][peer],
      peerName: PEERS[peer],
      higherIsBetter: false,
      extra: { bytes: BYTES, rounds: ROUNDS, ioSize: WRITE, rxsockStream: side === 'read' ? 'SocketDuplex (lendChunks)' : 'SocketDuplex' },
    });
  }
}
process.exit(0);
