import { describe, expect, it } from 'vitest';
import { C, ClosesOnce, Socket } from '../../src/index.js';

/** Owns a real socket; counts what its close released. */
class Owner extends ClosesOnce {
  releases = 0;
  constructor(readonly socket: Socket) {
    super();
  }
  protected release(): void {
    this.releases++;
    this.socket.close();
  }
}

describe('ClosesOnce', () => {
  it('releases once however often close() is called, then settles closed', async () => {
    const owner = new Owner(Socket.create(C.AF_INET, C.SOCK_DGRAM));
    let settled = false;
    void owner.closed.then(() => (settled = true));
    expect(owner.isClosed).toBe(false);
    await Promise.resolve();
    expect(settled).toBe(false);
    owner.close();
    owner.close();
    expect(owner.releases).toBe(1);
    expect(owner.socket.closed).toBe(true);
    expect(owner.isClosed).toBe(true);
    await owner.closed;
    expect(settled).toBe(true);
  });

  it('await using closes it at the end of the block', async () => {
    const socket = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    let seen: Owner | undefined;
    {
      await using owner = new Owner(socket);
      seen = owner;
      expect(socket.closed).toBe(false);
    }
    expect(seen.releases).toBe(1);
    expect(socket.closed).toBe(true);
  });
});
