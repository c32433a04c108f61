// DatagramDecoder.recover: a family (ISO-TP) claims an error that a receive call returned for one
// message, and the reader goes on. Shown with the pending error every Linux socket can carry: a
// connected UDP socket whose peer port is closed gets ECONNREFUSED from the ICMP reply.
import { describe, expect, it } from 'vitest';
import { C, Socket, type SocketError } from '../../src/index.js';
import { DatagramReader, type DatagramDecoder } from '../../src/stream/index.js';
import { udpSocket, waitFor } from './helpers.js';

async function refusedSocket(): Promise<{ socket: Socket; peerPort: number }> {
  const [peer, peerPort] = udpSocket();
  const socket = Socket.create(C.AF_INET, C.SOCK_DGRAM);
  socket.bind(['127.0.0.1', 0]);
  await socket.connect(['127.0.0.1', peerPort]);
  peer.close();
  return { socket, peerPort };
}

describe('DatagramDecoder.recover', () => {
  it.each([true, false])('recover() returning %s: the reader goes on / the stream fails with the error', async (claim) => {
    const { socket, peerPort } = await refusedSocket();
    const claimed: string[] = [];
    const decoder: DatagramDecoder<string> = {
      decode: (batch, i) => batch.data(i).toString(),
      recover: (e) => {
        claimed.push((e as SocketError).code);
        return claim;
      },
    };
    const reader = new DatagramReader<string>(socket, {}, decoder);
    const events: string[] = [];
    reader.datagrams$.subscribe({ next: (d) => events.push(d), error: (e: unknown) => events.push(`error ${(e as SocketError).code}`) });
    reader.request(Infinity);
    // The port is closed: the kernel's ICMP port unreachable leaves ECONNREFUSED pending.
    await socket.send(Buffer.from('x'));
    await waitFor(() => claimed.length === 1, 'the pending error read');
    expect(claimed).toEqual(['ECONNREFUSED']);
    if (claim) {
      const again = Socket.create(C.AF_INET, C.SOCK_DGRAM);
      again.bind(['127.0.0.1', peerPort]);
      await again.sendTo(Buffer.from('after'), ['127.0.0.1', (socket.getsockname() as { port: number }).port]);
      await waitFor(() => events.length === 1, 'the datagram after the error');
      again.close();
      expect(events).toEqual(['after']);
    } else {
      await waitFor(() => events.length === 1, 'the stream error');
      expect(events).toEqual(['error ECONNREFUSED']);
    }
    reader.close();
    socket.close();
  });
});
