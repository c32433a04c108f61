/**
 * Extra interfaces for a guest test, and a congested one. The guest boots with vcan0, vcan1 and
 * vxcan0<->vxcan1 up; tests that change an interface's queue should make their own here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { runOk } from './run.js';

/** True when the network interface exists. */
export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

/** Creates and brings up a vcan interface. */
export async function addVcan(name: string): Promise<void> {
  await runOk('ip', ['link', 'add', 'dev', name, 'type', 'vcan']);
  await runOk('ip', ['link', 'set', name, 'up']);
}

/** Creates and brings up a vxcan pair. */
export async function addVxcanPair(a: string, b: string): Promise<void> {
  await runOk('ip', ['link', 'add', 'dev', a, 'type', 'vxcan', 'peer', 'name', b]);
  await runOk('ip', ['link', 'set', a, 'up']);
  await runOk('ip', ['link', 'set', b, 'up']);
}

/** Deletes an interface (a vxcan pair goes with either end); no error when it is gone already. */
export async function deleteLink(name: string): Promise<void> {
  if (linkExists(name)) await runOk('ip', ['link', 'del', 'dev', name]);
}

/** Runs `fn` with a fresh vcan interface that is deleted afterwards, whatever happens. */
export async function withVcan<T>(name: string, fn: (name: string) => Promise<T>): Promise<T> {
  await addVcan(name);
  try {
    return await fn(name);
  } finally {
    await deleteLink(name);
  }
}

/** How to congest an interface; the defaults are those that made vcan0 return ENOBUFS here. */
export interface CongestOptions {
  txqueuelen?: number;
  /** tbf rate, such as '200kbit'. */
  rate?: string;
  burst?: number;
  limit?: number;
}

/**
 * Makes `iface` slow: a short device queue and a token-bucket qdisc, so senders meet ENOBUFS
 * (measured in the guest: `cangen -g 0 -n 2000` stops at the first "No buffer space available").
 * Returns the function that undoes it (qdisc removed, the previous queue length back).
 */
export async function congest(iface: string, o: CongestOptions = {}): Promise<() => Promise<void>> {
  const previous = readFileSync(`/sys/class/net/${iface}/tx_queue_len`, 'utf8').trim();
  await runOk('ip', ['link', 'set', iface, 'txqueuelen', String(o.txqueuelen ?? 10)]);
  await runOk('tc', ['qdisc', 'replace', 'dev', iface, 'root', 'tbf', 'rate', o.rate ?? '200kbit', 'burst', String(o.burst ?? 1600), 'limit', String(o.limit ?? 3000)]);
  return async () => {
    await runOk('tc', ['qdisc', 'del', 'dev', iface, 'root']);
    await runOk('ip', ['link', 'set', iface, 'txqueuelen', previous]);
  };
}
