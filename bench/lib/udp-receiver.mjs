// One UDP receiver of bench/udp-receive, bound to HOST:0, counting datagrams as it reads them.
// IMPL:
//   rxsock-reader  the stream layer's datagram source (readDatagrams / DatagramReader, batch 64)
//   rxsock-batch   Socket.tryRecvBatch into one reused MessageBatch of 64 (recvmmsg) + waitReadable
//   dgram          node:dgram's 'message' event
// Args: IMPL HOST RCVBUF. Replies {type:'ready', port, rcvbuf, api}; then per measurement
// {type:'start'} resets the counters and the CPU clock, {type:'stop'} replies {type:'stats',
// received, bytes, cpu, kernelDrops?}.
import dgram from 'node:dgram';
import { childMain, cpuSince, nextMessage, tell } from './ipc.mjs';

const [impl, host, rcvbufArg] = process.argv.slice(2);
const BATCH = 64;

let received = 0;
let bytes = 0;

childMain(async () => {
  const rx = await import('./rx.mjs');
  let port;
  let rcvbuf;
  let api;
  let counters = () => ({});
  if (impl === 'dgram') {
    const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', (msg) => {
      received++;
      bytes += msg.length;
    });
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, host, resolve);
    });
    port = sock.address().port;
    rcvbuf = rx.setReceiveBuffer(rx.dgramFd(sock), Number(rcvbufArg));
    api = 'node:dgram message event';
  } else {
    const sock = rx.udpBound(host);
    port = sock.getsockname().port;
    rcvbuf = rx.setReceiveBuffer(sock.fileno(), Number(rcvbufArg));
    if (impl === 'rxsock-reader') {
      const core = rx.core;
      if (typeof core.DatagramReader === 'function') {
        // What readDatagrams() does, kept as a DatagramReader so its counters can be read:
        // defaults otherwise (sender addresses decoded, SO_RXQ_OVFL on, queue 4096 drop-oldest).
        const reader = new core.DatagramReader(sock, { batchSize: BATCH });
        reader.request(Infinity);
        reader.datagrams$.subscribe({
          next: (d) => {
            received++;
            bytes += d.data.length;
          },
          error: (e) => tell({ type: 'error', message: String(e?.stack ?? e) }),
        });
        counters = () => ({ ...reader.counters });
        api = 'DatagramReader(batchSize 64).datagrams$ with request(Infinity)';
      } else throw new Error('no DatagramReader / readDatagrams in @rxsock/core yet');
    } else if (impl === 'rxsock-batch') {
      const batch = new rx.MessageBatch(BATCH, 65536, { addresses: false });
      api = 'Socket.tryRecvBatch + MessageBatch(64) + waitReadable';
      (async () => {
        for (;;) {
          const n = sock.tryRecvBatch(batch);
          if (n > 0) {
            for (let i = 0; i < n; i++) bytes += batch.data(i).length;
            received += n;
          } else await sock.waitReadable();
        }
      })().catch((e) => tell({ type: 'error', message: String(e?.stack ?? e) }));
    } else throw new Error(`unknown impl ${impl}`);
  }
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
