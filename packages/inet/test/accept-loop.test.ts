/**
 * The accept loop waits through the listener's readable listener (no promise per connection):
 * several loops on one listener share it, and a loop that is left stops waiting at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { C, Socket } from '@rxsock/core';
import { acceptLoop } from '../src/index.js';
import { sleep, waitFor } from './support/helpers.js';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

function listener(): Socket {
  const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
  s.bind(['127.0.0.1', 0]);
  s.listen(128);
  sockets.push(s);
  return s;
}

async function connectTo(l: Socket): Promise<Socket> {
  const c = Socket.create(C.AF_INET, C.SOCK_STREAM);
  sockets.push(c);
  await c.connect(l.getsockname());
  return c;
}

describe('acceptLoop', () => {
  it('two loops on one listener share it: every connection reaches exactly one of them', async () => {
    const l = listener();
    const got = [0, 0];
    const subs = [0, 1].map((i) =>
      acceptLoop(l).subscribe(([sock]) => {
        got[i]!++;
        sockets.push(sock);
      }),
    );
    for (let round = 0; round < 20; round++) {
      await connectTo(l);
      await sleep(2);
    }
    await waitFor(() => got[0]! + got[1]! === 20, '20 accepted connections');
    for (const sub of subs) sub.unsubscribe();
    expect(got[0]! + got[1]!).toBe(20);
  });

  it('waits as one armed listener while idle, and leaving disarms it (nothing keeps the process alive)', async () => {
    const l = listener();
    const a = acceptLoop(l).subscribe();
    const b = acceptLoop(l).subscribe();
    await sleep(10);
    expect(l.pendingOperations).toBe(1);
    a.unsubscribe();
    expect(l.pendingOperations).toBe(1);
    b.unsubscribe();
    expect(l.pendingOperations).toBe(0);
    // a connection that arrives now stays in the backlog for the next loop
    await connectTo(l);
    await sleep(10);
    const accepted: Socket[] = [];
    const c = acceptLoop(l).subscribe(([sock]) => accepted.push(sock));
    await waitFor(() => accepted.length === 1, 'the queued connection');
    sockets.push(...accepted);
    c.unsubscribe();
  });

  it('a burst deeper than one turn is accepted completely', async () => {
    const l = listener();
    let accepted = 0;
    const sub = acceptLoop(l).subscribe(([sock]) => {
      accepted++;
      sockets.push(sock);
    });
    await Promise.all(Array.from({ length: 100 }, () => connectTo(l)));
    await waitFor(() => accepted === 100, '100 accepted connections');
    sub.unsubscribe();
  });

  it('closing the listener completes every loop waiting on it', async () => {
    const l = listener();
    const done = [false, false];
    acceptLoop(l).subscribe({ complete: () => (done[0] = true) });
    acceptLoop(l).subscribe({ complete: () => (done[1] = true) });
    await sleep(10);
    l.close();
    await waitFor(() => done[0]! && done[1]!, 'both loops completed');
  });
});
