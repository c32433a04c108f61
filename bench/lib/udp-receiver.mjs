// One UDP receiver of bench/udp-receive, bound to HOST:0, counting datagrams as it reads them.
// IMPL:
//   rxsock-udp     @rxsock/inet udpSocket().datagrams$ with DEFAULT options (recvmmsg batches of
//                  64 through core's DatagramReader, `batchDelayMs: 'auto'`: reads at each edge
//                  while traffic is light, rests 1 ms between batches in a fast stream)
//   rxsock-udp-delay    the same with a fixed `batchDelayMs` (env BATCH_DELAY_MS, default 1)
//   rxsock-udp-edge     the same with `batchDelayMs: 0` (a read at every readiness edge, the
//                  default before 'auto')
//   rxsock-reader  @rxsock/core DatagramReader(batchSize 64).datagrams$ with request(Infinity)
//   rxsock-batch   @rxsock/core Socket.tryRecvBatch into one reused MessageBatch of 64
//                  (recvmmsg, sender addresses not decoded) + waitReadable
//   dgram          node:dgram's 'message' event
// Every receiver gets the same receive buffer (bench/lib/udp-buffers.mjs, applied to its fd).
// Args: IMPL HOST RCVBUF. Replies {type:'ready', port, rcvbuf, api}; then per measurement
// {type:'start'} resets the counters and the CPU clock, {type:'stop'} replies {type:'stats',
// received, bytes, cpu, counters}.
import dgram from 'node:dgram';
import { C, DatagramReader, MessageBatch, Socket } from '@rxsock/core';
import { udpSocket } from '@rxsock/inet';
import { childMain, cpuSince, nextMessage, tell } from './ipc.mjs';
import { dgramFd, setReceiveBuffer } from './udp-buffers.mjs';

const [impl, host, rcvbufArg] = process.argv.slice(2);
const RCVBUF = Number(rcvbufArg);
const BATCH = 64;

let received = 0;
let bytes = 0;
const fail = (e) => tell({ type: 'error', message: String(e?.stack ?? e) });

/** Each receiver: binds, starts counting, returns {port, rcvbuf, api, counters()}. */
const receivers = {
  async dgram() {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', (msg) => {
      received++;
      bytes += msg.length;
    });
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host, resolve);
    });
    const rcvbuf = setReceiveBuffer(dgramFd(sock), RCVBUF);
    return { port: sock.address().port, rcvbuf, api: 'node:dgram message event', counters: () => ({}) };
  },

  'rxsock-udp'() {
    return inetReceiver(undefined, 'inet udpSocket() defaults (batchDelayMs auto).datagrams$');
  },

  'rxsock-udp-delay'() {
    const batchDelayMs = Number(process.env.BATCH_DELAY_MS ?? 1);
    return inetReceiver({ batchSize: BATCH, batchDelayMs }, `inet udpSocket({receive: {batchSize: ${BATCH}, batchDelayMs: ${batchDelayMs}}}).datagrams$`);
  },

  'rxsock-udp-edge'() {
    return inetReceiver({ batchSize: BATCH, batchDelayMs: 0 }, `inet udpSocket({receive: {batchSize: ${BATCH}, batchDelayMs: 0}}).datagrams$`);
  },

  'rxsock-reader'() {
    const sock = boundSocket();
    const rcvbuf = setReceiveBuffer(sock.fileno(), RCVBUF);
    // Defaults otherwise: sender addresses decoded, SO_RXQ_OVFL on, queue 4096 drop-oldest.
    const reader = new DatagramReader(sock, { batchSize: BATCH });
    reader.datagrams$.subscribe({
      next: (d) => {
        received++;
        bytes += d.data.length;
      },
      error: fail,
    });
    reader.request(Infinity);
    return { port: sock.getsockname().port, rcvbuf, api: 'core DatagramReader(batchSize 64).datagrams$ + request(Infinity)', counters: () => ({ ...reader.counters }) };
  },

  'rxsock-batch'() {
    const sock = boundSocket();
    const rcvbuf = setReceiveBuffer(sock.fileno(), RCVBUF);
    const batch = new MessageBatch(BATCH, 65536, { addresses: false });
    (async () => {
      for (;;) {
        const n = sock.tryRecvBatch(batch);
        if (n > 0) {
          for (let i = 0; i < n; i++) bytes += batch.data(i).length;
          received += n;
        } else await sock.waitReadable();
      }
    })().catch(fail);
    return { port: sock.getsockname().port, rcvbuf, api: 'core Socket.tryRecvBatch + MessageBatch(64) + waitReadable', counters: () => ({}) };
  },
};

/** An @rxsock/inet UDP socket whose datagrams$ is counted. */
function inetReceiver(receive, api) {
  const udp = udpSocket({ host, port: 0, receive });
  const rcvbuf = setReceiveBuffer(udp.socket.fileno(), RCVBUF);
  udp.datagrams$.subscribe({
    next: (d) => {
      received++;
      bytes += d.data.length;
    },
    error: fail,
  });
  const counters = () => {
    const { received, delivered, dropped, kernelDrops } = udp.counters;
    return { received, delivered, dropped, kernelDrops };
  };
  return { port: udp.address().port, rcvbuf, api, counters };
}

function boundSocket() {
  const sock = Socket.create(host.includes(':') ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM);
  sock.bind([host, 0]);
  return sock;
}

childMain(async () => {
  const make = receivers[impl];
  if (!make) throw new Error(`unknown impl ${impl}; known: ${Object.keys(receivers).join(', ')}`);
  const { port, rcvbuf, api, counters } = await make();
  await tell({ type: 'ready', port, rcvbuf, api });
  for (;;) {
    await nextMessage('start');
    received = 0;
    bytes = 0;
    const c0 = counters();
    const cpu0 = process.cpuUsage();
    await tell({ type: 'started' });
    await nextMessage('stop');
    const cpu = cpuSince(cpu0);
    const c1 = counters();
    const delta = {};
    for (const k of Object.keys(c1)) if (typeof c1[k] === 'number') delta[k] = c1[k] - (c0[k] ?? 0);
    await tell({ type: 'stats', received, bytes, cpu, counters: delta });
  }
});
