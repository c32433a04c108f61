import { readdirSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { C, ErrorQueueReader, MessageBatch, Socket, addressPort, cmsgSpace, decodeSockExtendedErr } from '../../src/index.js';

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** A UDP socket with IP_RECVERR, "connected" to a loopback port nobody listens on. */
function refusedSocket(): { socket: Socket } {
  const closedPort = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  closedPort.bind(['127.0.0.1', 0]);
  const port = addressPort(closedPort.getsockname())!;
  closedPort.close(); // nothing listens there now: a datagram sent to it draws ICMP port unreachable
  const socket = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  socket.setOption('IP_RECVERR', true);
  socket.connect(['127.0.0.1', port]);
  return { socket };
}

describe('ErrorQueueReader', () => {
  it('delivers the ICMP errors queued by IP_RECVERR, with the datagram each is about', async () => {
    const { socket } = refusedSocket();
    const batch = new MessageBatch(4, 256, { addresses: false, controlSize: cmsgSpace(16 + 16) * 2 });
    const entries: Array<{ errno: number; data: string }> = [];
    let gotEntries!: () => void;
    const arrived = new Promise<void>((resolve) => (gotEntries = resolve));
    const reader = new ErrorQueueReader(socket, batch, {
      entries: (b, n) => {
        for (let i = 0; i < n; i++) {
          const m = b.ancillary(i).find((c) => c.level === C.SOL_IP && c.type === C.IP_RECVERR);
          if (m) entries.push({ errno: decodeSockExtendedErr(m).errno, data: Buffer.from(b.data(i)).toString() });
        }
        if (entries.length > 0) gotEntries();
      },
    });
    await socket.send(Buffer.from('probe'));
    await arrived;
    expect(entries).toEqual([{ errno: constants.errno.ECONNREFUSED, data: 'probe' }]);
    reader.close();
    socket.close();
  });

  it('holds one duplicate fd, given back by close(), which leaves the socket open', () => {
    const { socket } = refusedSocket();
    const before = openFds();
    const reader = new ErrorQueueReader(socket, new MessageBatch(1, 64, { addresses: false, controlSize: 128 }), { entries: () => {} });
    expect(openFds()).toBe(before + 1);
    expect(reader.closed).toBe(false);
    reader.close();
    expect(reader.closed).toBe(true);
    expect(openFds()).toBe(before);
    expect(socket.closed).toBe(false);
    socket.close();
  });

  it('reports a handler that throws through error() and stops, closing its fd', async () => {
    const { socket } = refusedSocket();
    const before = openFds();
    const boom = new Error('handler failed');
    const failed = new Promise<unknown>((resolve) => {
      new ErrorQueueReader(socket, new MessageBatch(2, 64, { addresses: false, controlSize: 128 }), {
        entries: () => {
          throw boom;
        },
        error: resolve,
      });
    });
    await socket.send(Buffer.from('x'));
    expect(await failed).toBe(boom);
    expect(openFds()).toBe(before);
    socket.close();
  });
});
