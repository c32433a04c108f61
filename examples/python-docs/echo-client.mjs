// Python docs, socket module, "Example": the IPv4 echo client.
//
//   with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
//       s.connect((HOST, PORT))
//       s.sendall(b'Hello, world')
//       data = s.recv(1024)
//   print('Received', repr(data))
//
// Run: PORT=50007 node examples/python-docs/echo-client.mjs
import { pathToFileURL } from 'node:url';
import { connect } from '@rxsock/inet';

export async function main({ host = process.env.HOST ?? '127.0.0.1', port = Number(process.env.PORT ?? 50007), log = console.log } = {}) {
  const conn = await connect(host, port, { family: 'inet' });
  try {
    conn.write(Buffer.from('Hello, world'));
    // Python's recv(1024): the first chunk that arrives.
    let data = Buffer.alloc(0);
    for await (const chunk of conn) {
      data = chunk;
      break;
    }
    log('Received', JSON.stringify(data.toString()));
    return data.toString();
  } finally {
    conn.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
