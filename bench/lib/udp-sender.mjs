// The one UDP sender of bench/udp-receive, the same for every receiver: an rxsock UDP socket
// connected to HOST:PORT, sending SIZE-byte datagrams with sendmmsg in batches, paced to a rate: every tick (1 ms timer) it sends what is due since the start
// (floor(elapsed × rate) − sent), so timer lateness never lowers the average rate.
// MODE `vector` (default): one prebuilt mmsghdr vector (every entry pointing at the same payload)
// passed to rxsock's sendmmsg binding, so the sender spends its CPU in the kernel, not in
// re-encoding headers; MODE `sendMany`: the public Socket.sendMany (about 1.2 us of JS per
// datagram here, which is enough to make the sender the bottleneck on a busy 2-core machine).
// Args: HOST PORT SIZE [MODE]. Messages from the parent: {type:'send', rate, count} → replies
// {type:'sent', sent, seconds, rate (achieved), lateTicks, maxBurst, cpu}.
import { performance } from 'node:perf_hooks';
import { C, Socket } from '@rxsock/core';
import { childMain, cpuSince, nextMessage, sleep, tell } from './ipc.mjs';

const [host, portArg, sizeArg, modeArg = 'vector'] = process.argv.slice(2);
const MAX_BATCH = 512; // messages per sendmmsg (the kernel caps one call at 1024)

childMain(async () => {
  const af = host.includes(':') ? C.AF_INET6 : C.AF_INET;
  const sock = Socket.create(af, C.SOCK_DGRAM);
  await sock.connect([host, Number(portArg)]);
  // A few MiB of send buffer so a burst never waits on the socket itself.
  try {
    sock.setOption('SO_SNDBUFFORCE', 8 << 20);
  } catch {
    sock.setOption('SO_SNDBUF', 8 << 20);
  }
  const payload = Buffer.alloc(Number(sizeArg), 0x5a);
  const messages = Array.from({ length: MAX_BATCH }, () => ({ data: payload }));
  const batches = [];
  for (let k = 0; k <= MAX_BATCH; k++) batches.push(messages.slice(0, k));
  let sendBatch = (k) => sock.sendMany(batches[k]);
  let mode = 'Socket.sendMany';
  if (modeArg === 'vector') {
    const vector = await vectorSender(sock, payload);
    if (vector) {
      sendBatch = vector;
      mode = 'sendmmsg with a prebuilt mmsghdr vector';
    }
  }
  await tell({ type: 'ready', mode });
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
      while (sent < due) {
        const k = Math.min(due - sent, MAX_BATCH);
        sent += await sendBatch(k);
      }
      ticks++;
      if (sent < count) await sleep(1);
    }
    const seconds = (performance.now() - t0) / 1000;
    await tell({ type: 'sent', sent, seconds, rate: sent / seconds, ticks, maxBurst, cpu: cpuSince(cpu0) });
  }
});

/**
 * sendmmsg through rxsock's own binding with one mmsghdr vector built once. Uses the built core's
 * internal modules (same module instances as '@rxsock/core'); null when their layout changed.
 */
async function vectorSender(sock, payload) {
  let sysMod, msgMod;
  try {
    sysMod = await import(new URL('../../packages/core/dist/sys/index.js', import.meta.url).href);
    msgMod = await import(new URL('../../packages/core/dist/socket/messages.js', import.meta.url).href);
  } catch {
    return null;
  }
  const s = sysMod.sys();
  if (typeof s.sendmmsg !== 'function' || typeof msgMod.writeMsghdr !== 'function') return null;
  const abi = s.abi;
  const iov = msgMod.iovecsFor([payload]);
  const vec = Buffer.alloc(MAX_BATCH * abi.mmsghdrSize);
  for (let i = 0; i < MAX_BATCH; i++) {
    msgMod.writeMsghdr(vec, i * abi.mmsghdrSize, { name: null, nameLen: 0, iov, iovLen: 1, control: null, controlLen: 0 });
  }
  const fd = sock.fileno();
  const flags = C.MSG_NOSIGNAL;
  const keep = [payload, iov, vec];
  return async (k) => {
    for (;;) {
      const r = s.sendmmsg(fd, vec, k, flags);
      if (r > 0) return r;
      const e = s.errno();
      if (r < 0 && e !== 4 && e !== 11) throw new Error(`sendmmsg failed: errno ${e} (${s.strerror(e)})`);
      void keep;
      await sleep(1); // send buffer full (EAGAIN) or interrupted: retry shortly
    }
  };
}
