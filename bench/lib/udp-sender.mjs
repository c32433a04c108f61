// The one UDP sender of bench/udp-receive, the same for every receiver: an rxsock UDP socket
// (@rxsock/core Socket) connected to HOST:PORT, sending SIZE-byte datagrams with sendmmsg in
// batches of up to 512, paced to a rate: every tick (1 ms timer) it sends what is due since the
// start (floor(elapsed × rate) − sent), so timer lateness never lowers the average rate.
//
// MODE `vector` (the default): ONE mmsghdr vector built once (every entry pointing at the same
// payload) and handed to sendmmsg as is, so the sender's CPU goes to the kernel, not to
// re-encoding headers. This needs two INTERNAL modules of the built core, because its public
// exports have no way to send a prebuilt vector (Socket.sendMany encodes a fresh vector on every
// call; MessageBatch is receive-only; sys(), iovecsFor() and writeMsghdr() are not exported):
//   packages/core/dist/sys/index.js      sys(): the koffi bindings (sendmmsg, errno, abi layout)
//   packages/core/dist/socket/messages.js iovecsFor(), writeMsghdr(): iovec / msghdr layout
// They are resolved next to the '@rxsock/core' entry point, so they are the same module
// instances (one koffi library, one ABI table) as the public Socket this sender also uses.
// Why not the public API: measured on this 2-core machine with a receiver running, the public
// Socket.sendMany costs about 1.3 us more CPU per datagram (4.4-4.7 against 3.0-3.3 us,
// kernel time included) and in one of three runs paced only 150,000-184,000/s of the main
// runs' 200,000/s (loss followed); its best sweep steps topped out at 213,000-243,000/s.
// MODE `sendMany`: the public Socket.sendMany, on request (SENDER=sendMany), to check that.
// Args: HOST PORT SIZE MODE. Messages from the parent: {type:'send', rate, count} → replies
// {type:'sent', sent, seconds, rate (achieved), ticks, maxBurst, cpu}.
import { performance } from 'node:perf_hooks';
import { C, Socket } from '@rxsock/core';
import { childMain, cpuSince, nextMessage, sleep, tell } from './ipc.mjs';

const [host, portArg, sizeArg, mode = 'vector'] = process.argv.slice(2);
const MAX_BATCH = 512; // messages per sendmmsg (the kernel caps one call at 1024)
const EINTR = 4;
const EAGAIN = 11;

childMain(async () => {
  const sock = Socket.create(host.includes(':') ? C.AF_INET6 : C.AF_INET, C.SOCK_DGRAM);
  await sock.connect([host, Number(portArg)]);
  // A few MiB of send buffer so a burst never waits on the socket itself.
  try {
    sock.setOption('SO_SNDBUFFORCE', 8 << 20);
  } catch {
    sock.setOption('SO_SNDBUF', 8 << 20);
  }
  const payload = Buffer.alloc(Number(sizeArg), 0x5a);
  let sendBatch;
  let description;
  if (mode === 'vector') {
    sendBatch = await vectorSender(sock, payload);
    description = `sendmmsg with one prebuilt mmsghdr vector (core internals sys() + writeMsghdr), up to ${MAX_BATCH} per call`;
  } else if (mode === 'sendMany') {
    const messages = Array.from({ length: MAX_BATCH }, () => ({ data: payload }));
    const batches = Array.from({ length: MAX_BATCH + 1 }, (_, k) => messages.slice(0, k));
    sendBatch = (k) => sock.sendMany(batches[k]);
    description = `Socket.sendMany (public), up to ${MAX_BATCH} per call`;
  } else throw new Error(`unknown sender mode ${mode} (vector or sendMany)`);
  await tell({ type: 'ready', mode: description });
  for (;;) {
    const { rate, count } = await nextMessage('send');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = 0;
    let ticks = 0;
    let maxBurst = 0;
    while (sent < count) {
      const due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000));
      if (due - sent > maxBurst) maxBurst = due - sent;
      while (sent < due) sent += await sendBatch(Math.min(due - sent, MAX_BATCH));
      ticks++;
      if (sent < count) await sleep(1);
    }
    const seconds = (performance.now() - t0) / 1000;
    await tell({ type: 'sent', sent, seconds, rate: sent / seconds, ticks, maxBurst, cpu: cpuSince(cpu0) });
  }
});

/** sendmmsg(fd, vector, k) on one vector built once; see the header for what it uses and why. */
async function vectorSender(sock, payload) {
  const dist = import.meta.resolve('@rxsock/core'); // .../packages/core/dist/index.js
  const { sys } = await import(new URL('./sys/index.js', dist).href);
  const { iovecsFor, writeMsghdr } = await import(new URL('./socket/messages.js', dist).href);
  const s = sys();
  const size = s.abi.mmsghdrSize;
  const iov = iovecsFor([payload]);
  const vector = Buffer.alloc(MAX_BATCH * size);
  for (let i = 0; i < MAX_BATCH; i++) writeMsghdr(vector, i * size, { name: null, nameLen: 0, iov, iovLen: 1, control: null, controlLen: 0 });
  const fd = sock.fileno();
  return async (k) => {
    void [iov, payload]; // the vector points into these: keep them reachable as long as it is used
    for (;;) {
      const r = s.sendmmsg(fd, vector, k, C.MSG_NOSIGNAL);
      if (r > 0) return r;
      const e = s.errno();
      if (e === EINTR) continue;
      if (e !== EAGAIN) throw new Error(`sendmmsg failed: errno ${e} (${s.strerror(e)})`);
      await sleep(1); // send buffer full: retry shortly (this path bypasses the Socket's readiness state)
    }
  };
}
