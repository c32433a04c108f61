// @rxsock/inet in one file: a dual-stack TCP echo server whose connections are an Observable,
// echoing with backpressure (pipeTo pauses reading while the writer is over its high mark), and
// a Happy Eyeballs client that resolves 'localhost' and races the addresses it gets.
//
// Run: npx -y pnpm@10.34.8 run build && node examples/inet-echo.mjs
import { connect, tcpServer } from '@rxsock/inet';
import { formatAddress } from '@rxsock/core';

const server = tcpServer({ port: 0 }); // '::' dual stack, SO_REUSEADDR on
console.log(`server: listening on ${formatAddress(server.address())}`);
const subscription = server.connections$.subscribe((conn) => {
  console.log(`server: ${formatAddress(conn.remoteAddress)} connected`);
  conn.pipeTo(conn).then(
    () => console.log(`server: ${formatAddress(conn.remoteAddress)} finished`),
    (e) => console.log(`server: ${formatAddress(conn.remoteAddress)} failed: ${e.code}`),
  );
});

const conn = await connect('localhost', server.port, { noDelay: true, timeout: 5000 });
console.log(`client: connected to ${formatAddress(conn.remoteAddress)}`);
const echoed = [];
const done = new Promise((resolve, reject) =>
  conn.input$.subscribe({ next: (chunk) => echoed.push(chunk), error: reject, complete: resolve }),
);
for (const line of ['Hello, world\n', 'from @rxsock/inet\n']) conn.write(Buffer.from(line));
await conn.end(); // half-close: the server sees EOF, echoes the rest, then ends too
await done;
process.stdout.write(`client: echoed back:\n${Buffer.concat(echoed).toString()}`);
await conn.closed;
subscription.unsubscribe();
server.close();
