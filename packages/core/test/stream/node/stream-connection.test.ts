import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { firstValueFrom, from, toArray } from 'rxjs';
import { ChunkReader, SocketWriter, lengthPrefix, lengthPrefixed, lines, pipeSocket, sinkTo } from '../../../src/index.js';
import { fromDuplex, fromWebStreams, toWebStreams } from '../../../src/stream/node/index.js';
import { sleep, tcpPair, waitFor } from '../helpers.js';

/** A node:net client/server pair on loopback: the Duplexes rxsock did not make. */
async function netPair(): Promise<[net.Socket, net.Socket, () => void]> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => client.once('connect', r));
  return [client, await accepted, () => server.close()];
}

describe('StreamConnection over a node:net Duplex', () => {
  it("rxsock's framing operators run over it: lines() in, length-prefixed frames out through sinkTo", async () => {
    const [client, serverSide, stop] = await netPair();
    const conn = fromDuplex(serverSide);
    client.write('alpha\nbeta\r\ngam');
    client.end();
    const got = await firstValueFrom(conn.input$.pipe(lines({ maxLength: 100, unterminated: 'emit' }), toArray()));
    expect(got).toEqual(['alpha', 'beta', 'gam']);

    const frames = [Buffer.from('one'), Buffer.from('two!'), Buffer.alloc(70000, 7)];
    const sent = sinkTo(conn.writer, from(frames).pipe(lengthPrefix({ header: 4 })));
    const peer = fromDuplex(client);
    const back = await firstValueFrom(peer.input$.pipe(lengthPrefixed({ header: 4, maxFrame: 1 << 20 }), toArray()));
    await sent;
    expect(back.map((f) => Buffer.from(f))).toEqual(frames);
    await conn.closed;
    stop();
  });

  it('a reader without credit pauses the Duplex: the remote sender stalls, and credit resumes it', async () => {
    const [client, serverSide, stop] = await netPair();
    const conn = fromDuplex(serverSide);
    const reader = conn.reader;
    let received = 0;
    reader.chunks$.subscribe((c) => (received += c.length));
    reader.request(1);
    let sent = 0;
    const block = Buffer.alloc(65536, 1);
    while (client.write(block)) sent += block.length;
    sent += block.length;
    await sleep(300);
    const buffered = client.writableLength;
    // nothing left the sender's own buffer while nobody granted credit
    await sleep(200);
    expect(client.writableLength).toBe(buffered);
    expect(buffered).toBeGreaterThan(0);
    expect(serverSide.isPaused()).toBe(true);
    reader.request(Infinity);
    await waitFor(() => received === sent, `${sent} bytes (got ${received})`);
    client.destroy();
    conn.close();
    await conn.closed;
    stop();
  });

  it('pipeSocket from an rxsock ChunkReader into a StreamWriter (node:net), and for await on the far side', async () => {
    const [a, b] = await tcpPair();
    const [client, serverSide, stop] = await netPair();
    const total = 8 * 2 ** 20;
    const writer = new SocketWriter(a);
    const source = Buffer.alloc(total);
    for (let i = 0; i < total; i++) source[i] = i % 253;
    writer.write(source);
    void writer.end();
    const out = fromDuplex(client);
    const piping = pipeSocket(new ChunkReader(b), out.writer);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of fromDuplex(serverSide)) {
      hash.update(chunk);
      n += chunk.length;
    }
    await piping;
    expect(n).toBe(total);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(source).digest('hex'));
    a.close();
    b.close();
    client.destroy();
    stop();
  });
});

describe('StreamConnection over a Web stream pair', () => {
  it('round trip through toWebStreams on both ends, with end and close', async () => {
    const [a, b] = await tcpPair();
    const left = fromWebStreams(toWebStreams(a));
    const right = fromWebStreams(toWebStreams(b));
    left.write(Buffer.from('ping'));
    void left.end();
    const heard: Buffer[] = [];
    for await (const c of right) heard.push(c);
    expect(Buffer.concat(heard).toString()).toBe('ping');
    right.write(Buffer.from('pong'));
    await right.end();
    const back = await firstValueFrom(left.input$.pipe(toArray()));
    expect(Buffer.concat(back).toString()).toBe('pong');
    await waitFor(() => a.closed && b.closed, 'both sockets closed after both ends');
  });
});
