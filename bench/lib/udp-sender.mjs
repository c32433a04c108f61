// The one UDP sender of bench/udp-receive, the same for every receiver: an rxsock UDP socket
// (@rxsock/core Socket) connected to HOST:PORT, sending SIZE-byte datagrams with sendmmsg in
// batches of up to 512, paced to a rate: every tick (1 ms timer) it sends what is due since the
// start (floor(elapsed × rate) − sent), so timer lateness never lowers the average rate.
//
// MODE `vector` (the default): the public @rxsock/core SendBatch, filled once with the payload
// (512 headers laid out once) and handed to sendmmsg through Socket.trySendBatch/sendBatch, so
// the sender's CPU goes to the kernel, not to re-encoding headers for every call.
// MODE `sendMany`: the public Socket.sendMany, on request (SENDER=sendMany), to check that.
// Args: HOST PORT SIZE MODE. Messages from the parent: {type:'send', rate, count} → replies
// {type:'sent', sent, seconds, rate (achieved), ticks, maxBurst, cpu}.
import { performance } from 'node:perf_hooks';
import { C, SendBatch, Socket } from '@rxsock/core';
import { childMain, cpuSince, nextMessage, sleep, tell } from './ipc.mjs';

const [host, portArg, sizeArg, mode = 'vector'] = process.argv.slice(2);
const MAX_BATCH = 512; // messages per sendmmsg (the kernel caps one call at 1024)

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
    description = `sendmmsg through a prebuilt SendBatch (public API), up to ${MAX_BATCH} per call`;
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

/** sendmmsg of the first k messages of one SendBatch, filled once (public API). */
async function vectorSender(sock, payload) {
  const batch = new SendBatch(MAX_BATCH, payload.length);
  batch.fill(payload);
  return async (k) => {
    batch.count = k;
    return sock.sendBatch(batch);
  };
}
