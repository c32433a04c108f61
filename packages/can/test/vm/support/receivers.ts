/**
 * Knowing when a peer is listening. A receiver started in the background (candump, a python-can
 * Bus) is ready once its CAN_RAW socket is bound; the kernel lists every bound receiver in
 * /proc/net/can/rcvlist_all (no filter) or rcvlist_fil (with filters), so a test waits for that
 * instead of sleeping.
 */
import { readFileSync } from 'node:fs';

/** How many CAN receivers are registered on `iface` (all receive lists that exist). */
export function receiverCount(iface: string): number {
  let n = 0;
  for (const list of ['rcvlist_all', 'rcvlist_fil', 'rcvlist_inv', 'rcvlist_sff', 'rcvlist_eff', 'rcvlist_err']) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/can/${list}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) if (line.trim().split(/\s+/)[0] === iface) n++;
  }
  return n;
}

/** Resolves once `iface` has more than `baseline` receivers; rejects after `timeoutMs` (a hang). */
export async function waitForReceiver(iface: string, baseline = 0, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (receiverCount(iface) <= baseline) {
    if (Date.now() > deadline) throw new Error(`no CAN receiver appeared on ${iface} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
