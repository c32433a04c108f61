// CAN_J1939 on the guest kernel: rxsock sockets talking to each other and to can-utils'
// testj1939, j1939cat and j1939acd (peers nobody here wrote), both directions, on an interface
// of this file's own. TP (1785 bytes) and ETP (100 KB) transfers, per-message end and abort from
// the error queue, filters, promiscuous mode, priorities, broadcast, address claiming.
// Judged on content and counts, never on time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { openCanJ1939, j1939NameBytes, type CanJ1939Options, type CanJ1939Socket, type J1939ErrQueueEvent, type J1939Message, type J1939SendOptions } from '@rxsock/can';
import { addVcan, deleteLink, requireCanKernel, run, start, type Running } from './support/index.js';

/** j1939cat's own error after a finished transfer: its 100-byte control buffer is too small for the kernel's report (MSG_CTRUNC). */
const J1939CAT_CTRUNC = 'j1939cat: recvmsg error notification: truncated: Success';

const IF = 'rxj1939';
beforeAll(async () => {
  requireCanKernel();
  await deleteLink(IF);
  await addVcan(IF);
});
afterAll(async () => {
  // Bounded: when a kernel j1939 object still holds the device, `ip link del` waits in the kernel
  // ("unregister_netdevice: waiting for ... to become free") and cannot be killed. Say so and go
  // on; the guest is thrown away after the run.
  const del = start('ip', ['link', 'del', 'dev', IF]);
  const timer = new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 30_000).unref());
  if ((await Promise.race([del.done, timer])) === 'stuck') {
    const dmesg = await run('sh', ['-c', 'dmesg | tail -5']);
    console.warn(`ip link del ${IF} is blocked in the kernel:\n${dmesg.stdout}`);
  }
});

const opened: CanJ1939Socket[] = [];
const peers: Running[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  for (const p of peers.splice(0)) await p.stop('SIGKILL');
});

function ecu(options: Omit<CanJ1939Options, 'interface'>): CanJ1939Socket {
  const s = openCanJ1939({ interface: IF, ...options });
  opened.push(s);
  return s;
}

function peer(command: string, args: string[]): Running {
  const p = start(command, args, { timeoutMs: 240_000 });
  peers.push(p);
  return p;
}

/** Messages of a socket as they come, with a wait that only catches hangs. */
function inbox(s: CanJ1939Socket): { all: J1939Message[]; until(n: number, what?: (m: J1939Message) => boolean): Promise<J1939Message[]> } {
  const all: J1939Message[] = [];
  s.messages$.subscribe((m) => all.push(m));
  return {
    all,
    async until(n, what = () => true) {
      for (let i = 0; all.filter(what).length < n; i++) {
        if (i > 2400) throw new Error(`saw ${all.filter(what).length} of ${n} messages: ${JSON.stringify(all.map((m) => [m.srcAddr, m.pgn, m.data.length]))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return all.filter(what);
    },
  };
}

const pattern = (n: number, seed = 0): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed + (i >> 8)) & 0xff);
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex');

/**
 * Sends 9-byte TP probes to `addr` until one completes: the kernel answers a TP only when a
 * socket on this host bound to that address would receive it (its PGN passes that socket's
 * bind and filters; otherwise the RTS is aborted, EHOSTUNREACH here), so a completed probe
 * means the peer is bound, and it received exactly that one probe.
 */
async function untilBound(from: CanJ1939Socket, addr: number, pgn = 0x0dd00): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await from.send(pattern(9), { pgn, addr });
      return;
    } catch (e) {
      if (i > 60) throw e;
    }
  }
}

/** Sends by NAME, retrying while the kernel has not committed the NAME's claim yet (EADDRNOTAVAIL). */
async function sendWhenClaimed(s: CanJ1939Socket, data: Uint8Array, options: J1939SendOptions): Promise<number> {
  for (let tries = 1; ; tries++) {
    try {
      await s.send(data, options);
      return tries;
    } catch (e) {
      if ((e as { code?: string }).code !== 'EADDRNOTAVAIL' || tries > 200) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('J1939 between rxsock sockets', () => {
  it('carries single-frame, TP (1785 bytes) and ETP (100 KB) messages intact, with addresses, PGN and priority; send resolves with the bytes acknowledged', async () => {
    const rx = ecu({ addr: 0x90, maxMessageSize: 100_000 });
    const tx = ecu({ addr: 0x80, priority: 3 });
    const box = inbox(rx);
    const sizes = [8, 1785, 100_000];
    const results = [];
    for (const [k, n] of sizes.entries()) results.push(await tx.send(pattern(n, k), { pgn: 0x0ef00, addr: 0x90, priority: k === 2 ? 5 : undefined }));
    expect(results.map((r) => r.bytesAcked)).toEqual(sizes);
    expect(results.map((r) => r.id)).toEqual([0, 1, 2]);
    const got = await box.until(3);
    expect(got.map((m) => m.data.length)).toEqual(sizes);
    got.forEach((m, k) => expect(hex(m.data)).toBe(hex(pattern(sizes[k]!, k))));
    expect(got.map((m) => [m.srcAddr, m.destAddr, m.pgn, m.priority, m.truncated, m.interfaceName])).toEqual([
      [0x80, 0x90, 0x0ef00, 3, false, IF],
      [0x80, 0x90, 0x0ef00, 3, false, IF],
      [0x80, 0x90, 0x0ef00, 5, false, IF],
    ]);
    expect(got.every((m) => m.timestampSec > 1_000_000_000)).toBe(true);
  });

  it('broadcasts by BAM only with broadcast: true; a TP to an absent node is aborted for that message, and the socket goes on', async () => {
    const rx = ecu({ addr: 0x91, broadcast: true });
    const box = inbox(rx);
    const quiet = ecu({ addr: 0x81 });
    await expect(quiet.send(pattern(4), { pgn: 0x0fecA })).rejects.toMatchObject({ code: 'EACCES', syscall: 'sendto' });
    const tx = ecu({ addr: 0x82, broadcast: true });
    const events: J1939ErrQueueEvent[] = [];
    tx.transmitEvents$.subscribe((e) => events.push(e));
    // A BAM has no acknowledgement: the kernel reports it finished with 0 bytes acknowledged.
    expect(await tx.send(pattern(100, 1), { pgn: 0x0feca })).toEqual({ id: 0, bytesAcked: 0 });
    const [bam] = await box.until(1);
    expect([bam!.srcAddr, bam!.destAddr, bam!.pgn, hex(bam!.data)]).toEqual([0x82, 0xff, 0x0feca, hex(pattern(100, 1))]);
    // Nobody is bound to 0x77: no CTS ever comes, the kernel aborts the session.
    const aborted = await tx.send(pattern(50), { pgn: 0x0ef00, addr: 0x77 }).then(() => undefined, (e: unknown) => e);
    // The sender's session times out waiting for a CTS: J1939_XTP_ABORT_TIMEOUT, EHOSTUNREACH.
    expect(aborted).toMatchObject({ code: 'ERR_RXSOCK_J1939_ABORTED', syscall: 'sendto', errno: 113, message: expect.stringMatching(/EHOSTUNREACH/) });
    const after = await tx.send(pattern(20, 2), { pgn: 0x0ef00, addr: 0x91 });
    expect(after.bytesAcked).toBe(20);
    const got = await box.until(2);
    expect(hex(got[1]!.data)).toBe(hex(pattern(20, 2)));
    // The same ends as events, keyed by the message's number on the socket: BAM, abort, TP.
    expect(events.map((e) => [e.kind, e.id, e.code, e.bytesAcked])).toEqual([
      ['tx-done', 0, '', 0],
      ['tx-abort', 1, 'EHOSTUNREACH', 0],
      ['tx-done', 2, '', 20],
    ]);
  });

  it('filters by PGN, sees others\' traffic only when promiscuous, and refuses bad input with typed errors', async () => {
    const onlyA = ecu({ addr: 0x92, filters: [{ pgn: 0x0ef00 }] });
    const spy = ecu({ addr: 0xa0, promiscuous: true });
    const deaf = ecu({ addr: 0xa1 });
    const boxA = inbox(onlyA);
    const boxSpy = inbox(spy);
    const boxDeaf = inbox(deaf);
    const tx = ecu({ addr: 0x83 });
    await tx.send(Uint8Array.of(1), { pgn: 0x0ee00 - 0x100, addr: 0x92 }); // 0xed00: filtered out at 0x92
    await tx.send(Uint8Array.of(2), { pgn: 0x0ef00, addr: 0x92 });
    const spied = await boxSpy.until(2);
    const a = await boxA.until(1);
    expect(a.map((m) => [m.pgn, m.data[0]])).toEqual([[0x0ef00, 2]]);
    expect(spied.map((m) => [m.destAddr, m.pgn, m.data[0]])).toEqual([[0x92, 0x0ed00, 1], [0x92, 0x0ef00, 2]]);
    expect(boxDeaf.all).toEqual([]);
    expect(boxA.all.length).toBe(1);
    expect(() => ecu({ addr: 0x100 })).toThrow(expect.objectContaining({ code: 'EINVAL', syscall: 'bind' }));
    expect(() => ecu({ priority: 8 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    await expect(tx.send(Uint8Array.of(1), { pgn: 0x0ef12, addr: 0x92 })).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringMatching(/PDU1/) });
    await expect(tx.send(Uint8Array.of(1), { pgn: 0x40001, addr: 0x92 })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(() => openCanJ1939({ interface: 'nosuchcan0' })).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });
});

describe('J1939 interop with can-utils', () => {
  it('testj1939 -> rxsock and rxsock -> testj1939 -r', async () => {
    const rx = ecu({ addr: 0x93 });
    const box = inbox(rx);
    const sent = await run('testj1939', ['-s16', `${IF}:0x33`, `${IF}:0x93,0x0ef00`]);
    expect(sent.status).toBe(0);
    const [m] = await box.until(1);
    // testj1939's test vector: 01 23 45 67 89 ab cd ef, repeated
    expect([m!.srcAddr, m!.destAddr, m!.pgn, hex(m!.data)]).toEqual([0x33, 0x93, 0x0ef00, '0123456789abcdef'.repeat(2)]);

    const dump = peer('stdbuf', ['-oL', 'testj1939', '-r', `${IF}:0x94`]);
    const tx = ecu({ addr: 0x84 });
    await untilBound(tx, 0x94);
    await tx.send(Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6]), { pgn: 0x0ef00, addr: 0x94 });
    for (let i = 0; !dump.stdout().includes('84 0ef00: de ad be ef 01 02 03 04\n00008     05 06'); i++) {
      if (i > 1200) throw new Error(`testj1939 printed: ${dump.stdout()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('j1939cat -> rxsock (ETP, 5000 bytes) and rxsock -> j1939cat -r (TP, 1500 bytes)', async () => {
    const rx = ecu({ addr: 0x95, pgn: 0x12300, maxMessageSize: 8192 });
    const box = inbox(rx);
    const file = '/tmp/rxj1939-in.bin';
    writeFileSync(file, pattern(5000, 9));
    const cat = await run('j1939cat', ['-i', file, `${IF}:0x35`, ':0x95,0x12300']);
    const [m] = await box.until(1);
    expect([m!.srcAddr, m!.pgn, m!.data.length]).toEqual([0x35, 0x12300, 5000]);
    expect(hex(m!.data)).toBe(hex(pattern(5000, 9)));
    // The transfer is complete; j1939cat then fails reading its own transmit report (a can-utils bug).
    expect(cat.status === 0 || (cat.status === 1 && cat.stderr.trim() === J1939CAT_CTRUNC), cat.stderr).toBe(true);

    const out = '/tmp/rxj1939-out.bin';
    const sh = peer('sh', ['-c', `exec j1939cat -r ${IF}:0x96,0x12400 > ${out}`]);
    const tx = ecu({ addr: 0x86 });
    // The one probe that completes reaches j1939cat too, ahead of the message.
    await untilBound(tx, 0x96, 0x12400);
    const r = await tx.send(pattern(1500, 4), { pgn: 0x12400, addr: 0x96 });
    expect(r.bytesAcked).toBe(1500);
    let got = Buffer.alloc(0);
    for (let i = 0; got.length < 9 + 1500; i++) {
      if (i > 1200) throw new Error(`j1939cat wrote ${got.length} bytes`);
      await new Promise((res) => setTimeout(res, 50));
      got = readFileSync(out);
    }
    expect(hex(got)).toBe(hex(pattern(9)) + hex(pattern(1500, 4)));
    expect(sh.child.exitCode).toBe(null);
  });

  it('address claiming: j1939acd claims for a NAME, and rxsock claims itself; sockets bound by NAME send from the claimed address', async () => {
    const name = 0x1122334455667788n;
    const spy = ecu({ promiscuous: true, addr: 0xa2, broadcast: true });
    const box = inbox(spy);
    const claims = (n: bigint) => (m: J1939Message): boolean => m.pgn === 0x0ee00 && hex(m.data) === hex(j1939NameBytes(n));
    peer('j1939acd', ['-r', '0x60-0x6f', '-c', '/tmp/rxj1939.jacd', name.toString(16), IF]);
    const [claim] = await box.until(1, claims(name));
    expect(claim!.srcAddr).toBeGreaterThanOrEqual(0x60);
    expect(claim!.srcAddr).toBeLessThanOrEqual(0x6f);
    expect(claim!.destAddr).toBe(0xff);
    const byName = ecu({ name });
    // The kernel commits a claim 250 ms after it saw it (J1939-81's contention window): until
    // then the NAME has no address and a send by NAME is EADDRNOTAVAIL.
    await sendWhenClaimed(byName, Uint8Array.of(0x42), { pgn: 0x0ef00, addr: 0xa2 });
    const [fromName] = await box.until(1, (m) => m.data[0] === 0x42 && m.data.length === 1);
    expect([fromName!.srcAddr, fromName!.srcName, fromName!.destAddr]).toEqual([claim!.srcAddr, name, 0xa2]);

    // rxsock claims 0x70 for its own NAME; the kernel then resolves that NAME too.
    const own = 0x8000000000abcdefn;
    const claimer = ecu({ name: own, addr: 0x70, broadcast: true });
    await claimer.claimAddress();
    const [ownClaim] = await box.until(1, claims(own));
    expect([ownClaim!.srcAddr, ownClaim!.srcName]).toEqual([0x70, own]);
    const sender = ecu({ name: own });
    await sendWhenClaimed(sender, Uint8Array.of(0x43, 0x44), { pgn: 0x0ef00, name });
    const [toName] = await box.until(1, (m) => m.data[0] === 0x43);
    expect([toName!.srcAddr, toName!.srcName, toName!.destAddr, toName!.destName]).toEqual([0x70, own, claim!.srcAddr, name]);
  });
});
