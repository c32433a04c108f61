// The echo example of Python's socket documentation, in rxsock: a server and a client on
// loopback, each printing what it exchanges. Python's version blocks in accept/recv; here the
// same calls return promises and both ends run in one process.
import { C, Socket } from '@rxsock/core';

const HOST = '127.0.0.1';

async function server(listener) {
  const [conn, addr] = await listener.accept();
  try {
    console.log('server: connected by', addr);
    for (;;) {
      const data = await conn.recv(1024);
      if (data.length === 0) break;
      console.log('server: echoing', JSON.stringify(data.toString()));
      await conn.sendAll(data);
    }
    console.log('server: client closed the connection');
  } finally {
    conn.close();
  }
}

async function client(port) {
  const s = Socket.create(C.AF_INET, C.SOCK_STREAM);
  try {
    await s.connect([HOST, port]);
    for (const line of ['Hello, world', 'from rxsock', 'over a real kernel socket']) {
      await s.sendAll(Buffer.from(line));
      const data = await s.recv(1024);
      console.log('client: received', JSON.stringify(data.toString()));
    }
  } finally {
    s.close(); // Python's `with` block
  }
}

const listener = Socket.create(C.AF_INET, C.SOCK_STREAM);
try {
  listener.setOption('SO_REUSEADDR', true);
  listener.bind([HOST, 0]);
  listener.listen(1);
  const { port } = listener.getsockname();
  console.log(`server: listening on ${HOST}:${port}`);
  await Promise.all([server(listener), client(port)]);
} finally {
  listener.close();
}
