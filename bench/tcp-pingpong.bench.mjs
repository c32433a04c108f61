// One-byte TCP ping-pong on loopback, client and server in one process, rxsock against node:net
// and against a C program (bench/lib/tcp-pingpong.c: one epoll set, read/write per wake-up,
// built here with the machine's `cc`), the floor for any event loop on this machine, in the same
// run, rounds interleaved. Reports microseconds per round trip (median and spread of ROUNDS).
// rxsock, the headline: the core Socket's awaited calls (accept, connect, recvInto, send).
// rxsock-connection (second JSON line): @rxsock/inet — tcpServer echoing through
// Connection.input$ → write(), connect() with the client driven by its input$ — the same
// event-driven shape as the node:net side ('data' → write()).
// Goals (issue 10): core Socket within 1.1x of C (ratio vs C >= 0.91), Connection.input$ within
// 1.2x (>= 0.83). Two floors run beside them: the koffi floor (a uv_poll_t per end on Node's
// loop, read/write through koffi, no rxsock code) and the synchronous koffi floor (C's own loop
// in JavaScript: blocking epoll_wait, read, write, all through koffi; no event loop, no callback,
// no promise). Measured 2026-12-03 (7 rounds, 2 shared cores): C 18.1 us, synchronous floor 20.3
// (0.89 of C), koffi floor 25.0 (0.72), rxsock Connection 25.6 (0.71), Socket 27.5 (0.66),
// node:net 31.5 (0.57). The synchronous floor is the least any readiness (epoll) design through
// koffi can cost: its six koffi calls per round trip (about 0.2 us each with a Buffer argument,
// measured against the same calls from C) and the few lines of JavaScript around them already
// miss the 1.1x goal.
// io_uring floors (bench/lib/koffi-uring-floor.mjs, bench/lib/tcp-pingpong-uring.c): the same
// ping-pong driven by io_uring, every kernel call through koffi, the rings read and written in
// place. Completion shapes: each end keeps a RECV posted (single-shot and re-posted, or one
// multishot RECV on provided buffers); a completion queues the reply (a SEND that posts no
// completion on success) and one io_uring_enter per step submits it. Readiness shape ("poll"):
// a multishot POLL_ADD per end stands in for epoll and the bytes move with read/write. The loop
// floors run in Node's loop on a uv_poll_t (eventfd registered with the ring and muted while the
// callback runs, or the ring fd itself), 32 passes per wake-up.
// System calls per round trip (strace -c -f, 20,000 vs 40,000 trips): C epoll 6 (2 epoll_wait,
// 2 read, 2 write); koffi epoll synchronous floor 6; core Socket 6 (2 epoll_wait, 2 recvfrom,
// 2 sendto) + 0.06 epoll_pwait; C io_uring and koffi io_uring synchronous floors 2 io_uring_enter;
// koffi io_uring loop floor 2.06 io_uring_enter + 0.06 each of epoll_pwait, eventfd read and
// eventfd write; poll loop floor and its promise version 2.06 read + 2.06 write + 0.06 epoll_pwait.
// Measured 2026-12-03, three runs, medians of 7 rounds each, us per round trip (ratio vs C epoll):
//   C epoll                           13.37 / 13.31 / 13.14
//   C io_uring                        13.90 (0.96) / 13.87 (0.96) / 13.83 (0.95)
//   C io_uring, multishot             12.97 (1.03) / 12.91 (1.03) / 13.02 (1.01)
//   koffi epoll synchronous floor     15.04 (0.89) / 15.02 (0.89) / 14.92 (0.88)
//   koffi io_uring synchronous        14.71 (0.91) / 14.51 (0.92) / 14.52 (0.91)
//   koffi io_uring sync, multishot    13.90 (0.96) / 14.00 (0.95) / 13.94 (0.94)
//   koffi io_uring loop (eventfd)     15.20 (0.88) / 15.15 (0.88) / 15.04 (0.87)
//   koffi io_uring loop, multishot    14.43 (0.93) / 14.63 (0.91) / 14.53 (0.90)
//   koffi io_uring loop, ring fd      16.08 (0.83) / 16.05 (0.83) / 16.26 (0.81)
//   koffi io_uring poll loop          14.64 (0.91) / 14.64 (0.91) / 14.63 (0.90)
//   Socket round's code, completions  17.48 (0.77) / 17.66 (0.75) / 17.81 (0.74)
//   Socket round's code, poll loop    16.83 (0.79) / 16.75 (0.80) / 17.16 (0.77)
//   koffi floor (uv_poll per end)     17.18 (0.78) / 17.12 (0.78) / 17.23 (0.76)
//   core Socket                       18.64 (0.72) / 18.31 (0.73) / 19.82 (0.66)
//   node:net                          21.68 (0.62) / 22.10 (0.60) / 21.98 (0.60)
// So io_uring takes a koffi floor inside Node's loop from 0.76-0.78 to 0.90-0.93, at or just
// under the 0.91 the Socket goal needs, and leaves nothing for a driver: the same awaited calls
// as the Socket round cost 2-3 us per round trip above their floor. The kernel's part leaves
// little room: C epoll spends 13.2 us of system and 0.4 us of user time per round trip
// (/usr/bin/time, 100,000 trips). A ring fd watched by epoll costs about 0.3 us per completion
// (epoll's wake-up callback; C with the ring fd in an epoll set: 13.2 -> 13.7-15.2 us).
// Since 2026-12-04 Connection.input$ receives by completion (core's ChunkReception: a multishot
// RECV per socket, the reactor taking the completions a send made before it selects again): 2
// system calls per round trip (the two sends). Measured that day, 7 rounds: Connection 14.04 us
// (0.87 of C 12.27, goal 0.833), was 22.47; core Socket 22.61 (0.54), unchanged.
// Since 2026-12-04 the core Socket's awaited TCP reads receive by completion too (socket/
// completion-reads.ts): 2 system calls per round trip (strace -c: 200,000 sendto and 6,287
// epoll_pwait for 100,000 round trips; on readiness 2 epoll_wait + 2 recvfrom + 2 sendto each).
// Alternating processes, 3 rounds each: 16.3-17.1 us by completion, 23.5-24.1 with
// RXSOCK_IO_URING=0. Two full runs that day, 7 rounds each: Socket 18.35 / 18.07 (0.65 / 0.67
// of C 12.00 / 12.14, 1.37x node:net both), Connection 14.52 / 14.06 (0.83 / 0.86), the promise
// floor 14.30 / 13.95 (0.84 / 0.87): the awaited calls' promises cost more than the 1.1x goal
// leaves, whatever the receive path.
// After a bulk transfer (tcp-pingpong-after-bulk, tcp-pingpong-connection-after-bulk): the same
// exchanges on a connection that first carried 8 MiB (one way for the Socket, echoed for
// Connection), which sends its receivers to readiness for the transfer. Until 2026-12-04 they
// stayed there for good: 20.3 us (Socket) and 22.3-24.2 (Connection) after the transfer, against
// 14.9 and 14.2 without it (2 rounds, same run); since then they come back to completions after
// 16 quiet reads, and the rows match the plain ones (14.7 and 13.7, 3 rounds).
// Since 2026-12-04 15:00 a Socket read about to wait takes the completions already in the ring
// (the other end's answer: no reactor round per message) and send() calls the kernel without a
// closure; each timed round of a JavaScript contender follows an untimed round of its own (see
// warmed()). Measured that day, 7 rounds: Socket 13.52 us (0.95 of C 12.80, paired rounds
// 0.92-0.99), Connection 14.66 (0.87), promise floor 14.16 (0.90), node:net 25.33.
// Env: TRIPS (round trips per round, default 20000), ROUNDS (default 7).
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { C, Socket } from '@rxsock/core';
import { connect, tcpServer } from '@rxsock/inet';
import { buildCPeer } from './lib/c-peer.mjs';
import { koffiFloorRound, koffiSyncFloorRound } from './lib/koffi-floor.mjs';
import { DEFER_TASKRUN, koffiUringLoopFloorRound, koffiUringSyncFloorRound } from './lib/koffi-uring-floor.mjs';
import { report } from './report.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const cPeer = buildCPeer('tcp-pingpong');
const cUringPeer = buildCPeer('tcp-pingpong-uring');
const TRIPS = Number(process.env.TRIPS ?? 20000);
const HOST = '127.0.0.1';

/** A connected TCP pair on loopback with TCP_NODELAY on both ends: [client, server]. */
async function loopbackPair() {
  const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
  listener.bind([HOST, 0]);
  listener.listen(1);
  const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
  const [[server]] = await Promise.all([listener.accept(), client.connect([HOST, listener.getsockname().port])]);
  listener.close();
  client.setOption('TCP_NODELAY', true);
  server.setOption('TCP_NODELAY', true);
  return [client, server];
}

async function socketRound(bulk = 0) {
  const [client, server] = await loopbackPair();
  if (bulk > 0) {
    const writing = client.sendAll(Buffer.alloc(bulk, 7));
    const sink = Buffer.alloc(65536);
    for (let got = 0; got < bulk; ) got += await server.recvInto(sink);
    await writing;
  }
  const echo = (async () => {
    // 64 KiB read buffers, as node:net's (libuv reads into 64 KiB).
    const buf = Buffer.alloc(65536);
    for (;;) {
      const n = await server.recvInto(buf);
      if (n === 0) return;
      await server.send(buf.subarray(0, n));
    }
  })();
  const ping = Buffer.from('x');
  const pong = Buffer.alloc(65536);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < TRIPS; i++) {
    await client.send(ping);
    await client.recvInto(pong);
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / TRIPS;
  client.close();
  await echo;
  server.close();
  return us;
}

// `bulk`: the connection first carries BULK bytes each way (echoed), as a keep-alive connection
// that carried one big body: both ends' input$ go to readiness for it, and must come back. The
// body goes in pieces of BULK_PIECE, each once the last is echoed: the echo writes without
// waiting for drain(), so its writer must never hold more than its maxBuffered (1 MiB).
async function connectionRound(bulk = 0) {
  const server = tcpServer({ host: HOST, port: 0, noDelay: true });
  const sub = server.connections$.subscribe((conn) => {
    conn.input$.subscribe({ next: (chunk) => conn.write(chunk), error: () => conn.close(), complete: () => conn.close() });
  });
  const client = await connect(HOST, server.port, { noDelay: true });
  const ping = Buffer.from('x');
  const us = await new Promise((resolve, reject) => {
    let n = 0;
    let echoed = 0;
    let sent = 0;
    let t0;
    const sendPiece = () => {
      const piece = Math.min(BULK_PIECE, bulk - sent);
      sent += piece;
      client.write(Buffer.alloc(piece, 7));
    };
    const start = () => {
      t0 = process.hrtime.bigint();
      client.write(ping);
    };
    client.input$.subscribe({
      next: (chunk) => {
        if (echoed < bulk) {
          echoed += chunk.length;
          if (echoed >= bulk) start();
          else if (echoed === sent) sendPiece();
          return;
        }
        if (++n === TRIPS) resolve(Number(process.hrtime.bigint() - t0) / 1000 / TRIPS);
        else client.write(ping);
      },
      error: reject,
    });
    if (bulk > 0) sendPiece();
    else start();
  });
  client.close();
  sub.unsubscribe();
  server.close();
  return us;
}

function netRound() {
  return new Promise((resolve) => {
    const srv = net.createServer({ noDelay: true }, (c) => {
      c.on('data', (d) => c.write(d));
      c.on('error', () => {});
    });
    srv.listen(0, HOST, () => {
      const c = net.connect({ port: srv.address().port, host: HOST, noDelay: true });
      let n = 0;
      let t0;
      const ping = Buffer.from('x');
      c.on('connect', () => {
        t0 = process.hrtime.bigint();
        c.write(ping);
      });
      c.on('data', () => {
        if (++n === TRIPS) {
          const us = Number(process.hrtime.bigint() - t0) / 1000 / TRIPS;
          c.destroy();
          srv.close(() => resolve(us));
        } else c.write(ping);
      });
    });
  });
}

// The koffi floor (bench/lib/koffi-floor.mjs): one uv_poll_t per end, read/write through koffi,
// no rxsock code in the loop; what any koffi-driven loop pays above C.
async function floorRound() {
  const [client, server] = await loopbackPair();
  return koffiFloorRound(client.detach(), server.detach(), TRIPS);
}

// The synchronous floor (bench/lib/koffi-floor.mjs): C's loop written in JavaScript, each
// system call through koffi, no event loop at all: the least any koffi-based design can cost.
async function syncFloorRound() {
  const [client, server] = await loopbackPair();
  return koffiSyncFloorRound(client.detach(), server.detach(), TRIPS);
}

// io_uring floors (bench/lib/koffi-uring-floor.mjs): completions instead of readiness, through
// koffi, with no rxsock code. The synchronous one blocks in io_uring_enter (SINGLE_ISSUER |
// DEFER_TASKRUN, the fastest setup for a thread that always waits in io_uring_enter); the loop
// ones run in Node's loop with a uv_poll_t and up to 32 passes per wake-up (as core's drain
// re-selects up to 32 times): the headline one on an eventfd registered with the ring (setup
// DEFER_TASKRUN, eventfd muted while the callback runs), the other on the ring fd itself (default
// setup: with DEFER_TASKRUN a completion does not make the ring fd readable while the thread
// sleeps in epoll_wait, checked).
async function uringSyncFloorRound(multishot = false) {
  const [client, server] = await loopbackPair();
  return koffiUringSyncFloorRound(client.detach(), server.detach(), TRIPS, { setupFlags: DEFER_TASKRUN, multishot });
}

const uringLoopCalls = {};
async function uringLoopFloorRound(notify = 'eventfd', multishot = false, promises = false, poll = false, record = true) {
  const [client, server] = await loopbackPair();
  const options = { passes: 32, notify, multishot, promises, poll, ...(poll ? { setupFlags: 0 } : {}) };
  const r = await koffiUringLoopFloorRound(client.detach(), server.detach(), TRIPS, options);
  if (!record) return r.us;
  const calls = (uringLoopCalls[`${notify}${multishot ? ', multishot' : ''}${promises ? ', promises' : ''}${poll ? ', poll + read/write' : ''}`] ??= { wakeups: [], enters: [] });
  calls.wakeups.push(r.wakeups);
  calls.enters.push(r.enters);
  return r.us;
}

// The C program's loop on io_uring (bench/lib/tcp-pingpong-uring.c, same setup flags as the
// synchronous floor): what the kernel allows a completion-driven loop.
function cUringRound(multishot = false) {
  return Number(execFileSync(cUringPeer, [String(TRIPS), '1', String(DEFER_TASKRUN), multishot ? 'multishot' : 'single'], { encoding: 'utf8' }).trim());
}

function cRound() {
  return Number(execFileSync(cPeer, [String(TRIPS), '1'], { encoding: 'utf8' }).trim());
}

// This process's CPU time per round trip (user + system, both ends run here), beside the wall
// time: on a machine shared with other work it is the steadier figure. (The C peer runs in its
// own process; its wall time is the floor reported.)
const cpu = { sock: [], conn: [], peer: [] };
async function timed(round, wall, into) {
  await round(); // see warmed()
  const c0 = process.cpuUsage();
  wall.push(await round());
  const d = process.cpuUsage(c0);
  into.push((d.user + d.system) / TRIPS);
}

// Each timed round of rxsock, node:net and the promise floor follows an untimed round of its
// own. This process runs every contender in turn, and the first round after the others runs
// partly on code V8 deoptimized for their objects and branches (measured 2026-12-04: the Socket
// round 14.1-15.2 us on its first round after the others, 13.4-14.2 on the round after it);
// a process that runs one of them, as a user's does, sees the second figure.
async function warmed(round, ...args) {
  await round(...args);
  return round(...args);
}

const sock = [];
const conn = [];
const sockAfterBulk = [];
const connAfterBulk = [];
const BULK = 8 << 20;
const BULK_PIECE = 256 << 10;
const peer = [];
const c = [];
const floor = [];
const syncFloor = [];
const uringSync = [];
const uringSyncMulti = [];
const uringLoop = [];
const uringLoopMulti = [];
const uringLoopRingFd = [];
const uringPromises = [];
const uringPoll = [];
const uringPollPromises = [];
const cUring = [];
const cUringMulti = [];
await floorRound(); // warm-up
await syncFloorRound();
await uringSyncFloorRound();
await uringSyncFloorRound(true);
await uringLoopFloorRound('eventfd');
await uringLoopFloorRound('eventfd', true);
await uringLoopFloorRound('ring');
await uringLoopFloorRound('eventfd', true, true);
await uringLoopFloorRound('eventfd', false, false, true);
await uringLoopFloorRound('eventfd', false, true, true);
for (const calls of Object.values(uringLoopCalls)) calls.wakeups.length = calls.enters.length = 0;
cUringRound();
cUringRound(true);
await socketRound();
await connectionRound();
await socketRound(BULK);
await connectionRound(BULK);
await netRound();
cRound();
for (let r = 0; r < ROUNDS; r++) {
  await timed(socketRound, sock, cpu.sock);
  await timed(connectionRound, conn, cpu.conn);
  sockAfterBulk.push(await warmed(socketRound, BULK));
  connAfterBulk.push(await warmed(connectionRound, BULK));
  await timed(netRound, peer, cpu.peer);
  c.push(cRound());
  floor.push(await floorRound());
  syncFloor.push(await syncFloorRound());
  uringSync.push(await uringSyncFloorRound());
  uringSyncMulti.push(await uringSyncFloorRound(true));
  uringLoop.push(await uringLoopFloorRound('eventfd'));
  uringLoopMulti.push(await uringLoopFloorRound('eventfd', true));
  uringLoopRingFd.push(await uringLoopFloorRound('ring'));
  await uringLoopFloorRound('eventfd', true, true, false, false); // see warmed()
  uringPromises.push(await uringLoopFloorRound('eventfd', true, true));
  uringPoll.push(await uringLoopFloorRound('eventfd', false, false, true));
  uringPollPromises.push(await uringLoopFloorRound('eventfd', false, true, true));
  cUring.push(cUringRound());
  cUringMulti.push(cUringRound(true));
}
const us = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(`  rxsock Socket ${us(sock)}; rxsock Connection ${us(conn)}; node:net ${us(peer)}; C ${us(c)}; koffi floor ${us(floor)}; synchronous koffi floor ${us(syncFloor)}; koffi io_uring synchronous floor ${us(uringSync)}, multishot ${us(uringSyncMulti)}; koffi io_uring loop floor ${us(uringLoop)}, multishot ${us(uringLoopMulti)}, on the ring fd ${us(uringLoopRingFd)}, with promises ${us(uringPromises)}, readiness from multishot POLL_ADD + read/write ${us(uringPoll)}, the same with promises ${us(uringPollPromises)}; C io_uring ${us(cUring)}, multishot ${us(cUringMulti)} us/roundtrip (${ROUNDS} rounds of ${TRIPS})`);
for (const [notify, calls] of Object.entries(uringLoopCalls)) {
  console.log(`  io_uring loop floor (${notify}) per round trip: ${calls.wakeups.map((x) => x.toFixed(3)).join(', ')} wake-ups (uv_poll callbacks), ${calls.enters.map((x) => x.toFixed(3)).join(', ')} io_uring_enter calls`);
}
console.log(`  after 8 MiB on the connection: rxsock Socket ${us(sockAfterBulk)}; rxsock Connection ${us(connAfterBulk)} us/roundtrip`);
console.log(`  CPU per round trip: rxsock Socket ${us(cpu.sock)}; rxsock Connection ${us(cpu.conn)}; node:net ${us(cpu.peer)} us`);
const base = { trips: TRIPS };
const SOCKET_API = 'core Socket accept/connect/recvInto/send';
const CONNECTION_API = 'inet tcpServer + connect, Connection.input$ → write()';
report({ name: 'tcp-pingpong', unit: 'us/roundtrip', rxsock: sock, peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: SOCKET_API } });
report({ name: 'tcp-pingpong-connection', unit: 'us/roundtrip', rxsock: conn, peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: CONNECTION_API } });
report({ name: 'tcp-pingpong-after-bulk', unit: 'us/roundtrip', rxsock: sockAfterBulk, peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: SOCKET_API, note: 'the same exchange after 8 MiB went one way on the connection (readiness for the transfer, completions again after it)' } });
report({ name: 'tcp-pingpong-connection-after-bulk', unit: 'us/roundtrip', rxsock: connAfterBulk, peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: CONNECTION_API, note: 'the same exchange after 8 MiB was echoed on the connection (both ends on readiness for the transfer, completions again after it)' } });
report({ name: 'tcp-pingpong-vs-c', unit: 'us/roundtrip', rxsock: sock, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, api: SOCKET_API, goal: 'within 1.1x of C (ratio >= 0.909)' } });
report({ name: 'tcp-pingpong-connection-vs-c', unit: 'us/roundtrip', rxsock: conn, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, api: CONNECTION_API, goal: 'within 1.2x of C (ratio >= 0.833)' } });
report({ name: 'tcp-pingpong-koffi-floor-vs-c', unit: 'us/roundtrip', rxsock: floor, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: 'bench/lib/koffi-floor.mjs in the rxsock column: a uv_poll_t per end and read/write through koffi, no rxsock code: the floor of a koffi-driven loop' } });
report({ name: 'tcp-pingpong-koffi-sync-floor-vs-c', unit: 'us/roundtrip', rxsock: syncFloor, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "bench/lib/koffi-floor.mjs koffiSyncFloorRound in the rxsock column: C's loop in synchronous JavaScript, its six system calls through koffi, no event loop: what no koffi-based design can beat" } });
report({ name: 'tcp-pingpong-koffi-uring-sync-floor-vs-c', unit: 'us/roundtrip', rxsock: uringSync, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: 'bench/lib/koffi-uring-floor.mjs koffiUringSyncFloorRound in the rxsock column: io_uring through koffi, no event loop, one io_uring_enter per step (2 system calls per round trip)' } });
report({ name: 'tcp-pingpong-koffi-uring-multishot-sync-floor-vs-c', unit: 'us/roundtrip', rxsock: uringSyncMulti, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: 'koffiUringSyncFloorRound with multishot RECVs on provided buffers in the rxsock column: one SQE per step, no RECV re-posted' } });
report({ name: 'tcp-pingpong-koffi-uring-multishot-loop-floor-vs-c', unit: 'us/roundtrip', rxsock: uringLoopMulti, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "koffiUringLoopFloorRound (eventfd, DEFER_TASKRUN) with multishot RECVs on provided buffers in the rxsock column: the fastest io_uring shape inside Node's loop measured here" } });
report({ name: 'tcp-pingpong-koffi-uring-promises-vs-c', unit: 'us/roundtrip', rxsock: uringPromises, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, api: 'await send / await recvInto as in socketRound', note: "koffiUringLoopFloorRound with promises in the rxsock column: the Socket round's code over a minimal promise-per-request io_uring driver (eventfd, multishot): the least a promise-based completion driver costs" } });
report({ name: 'tcp-pingpong-koffi-uring-poll-loop-floor-vs-c', unit: 'us/roundtrip', rxsock: uringPoll, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "koffiUringLoopFloorRound with poll in the rxsock column: readiness from io_uring (a multishot POLL_ADD per end, eventfd muted while the callback runs, setup flags 0) and read/write through koffi inside Node's loop: no epoll_wait, 4 system calls per round trip; the shape core's Selector contract takes unchanged" } });
report({ name: 'tcp-pingpong-koffi-uring-poll-promises-vs-c', unit: 'us/roundtrip', rxsock: uringPollPromises, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, api: 'await send / await recvInto as in socketRound', note: "koffiUringLoopFloorRound with poll and promises in the rxsock column: the Socket round's code over readiness from io_uring, read at once while known readable, else a waiter woken by the POLL_ADD completion: an estimate of core's Socket with an io_uring Selector" } });
report({ name: 'tcp-pingpong-koffi-uring-loop-floor-vs-c', unit: 'us/roundtrip', rxsock: uringLoop, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "bench/lib/koffi-uring-floor.mjs koffiUringLoopFloorRound in the rxsock column: io_uring through koffi inside Node's loop, a uv_poll_t on an eventfd registered with the ring (DEFER_TASKRUN; muted while the callback runs), up to 32 passes per wake-up" } });
report({ name: 'tcp-pingpong-koffi-uring-ringfd-floor-vs-c', unit: 'us/roundtrip', rxsock: uringLoopRingFd, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "bench/lib/koffi-uring-floor.mjs koffiUringLoopFloorRound with notify 'ring' in the rxsock column: as the loop floor, the uv_poll_t on the ring fd itself (default setup)" } });
report({ name: 'tcp-pingpong-c-uring-vs-c', unit: 'us/roundtrip', rxsock: cUring, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: 'bench/lib/tcp-pingpong-uring.c in the rxsock column: the C loop on io_uring, what the kernel allows a completion-driven loop' } });
report({ name: 'tcp-pingpong-c-uring-multishot-vs-c', unit: 'us/roundtrip', rxsock: cUringMulti, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: 'bench/lib/tcp-pingpong-uring.c multishot in the rxsock column: multishot RECVs on provided buffers' } });
report({ name: 'tcp-pingpong-node-vs-c', unit: 'us/roundtrip', rxsock: peer, peer: c, peerName: 'C epoll', higherIsBetter: false, extra: { ...base, note: "node:net's side in the rxsock column: where node itself stands against C" } });
report({ name: 'tcp-pingpong-cpu', unit: 'us CPU/roundtrip', rxsock: cpu.sock, peer: cpu.peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: SOCKET_API, note: 'process CPU (user+system, both ends) per round trip' } });
report({ name: 'tcp-pingpong-connection-cpu', unit: 'us CPU/roundtrip', rxsock: cpu.conn, peer: cpu.peer, peerName: 'node:net', higherIsBetter: false, extra: { ...base, api: CONNECTION_API, note: 'process CPU (user+system, both ends) per round trip' } });
