/** A TCP writer nobody here wrote: Python's socket module, in another process. */
import { spawn } from 'node:child_process';

/**
 * A Python program that connects to 127.0.0.1:`port` as `s` (TCP_NODELAY), runs `body` (which
 * counts the bytes it writes in `k`), closes and prints `k`. Resolves with that count once the
 * program has exited. Runs `python3` from PATH.
 */
export function pythonWriter(port: number, body: string): Promise<number> {
  const python = `import socket, time
s = socket.create_connection(('127.0.0.1', ${port}))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
${body}
s.close()
print(k)`;
  const child = spawn('python3', ['-c', python], { stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  child.stdout.on('data', (d: Buffer) => (printed += d));
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(Number(printed.trim())));
  });
}

/**
 * A {@link pythonWriter} body: 6 rounds of 1 MiB at once, then 40 writes of 10 bytes 2 ms apart.
 * Byte k of the stream is k % 251. A reader sees a bulk transfer begin and end six times.
 */
export const BURSTS_AND_PACED_WRITES = `k = 0
def send(n):
    global k
    s.sendall(bytes((k + j) % 251 for j in range(n)))
    k += n
for r in range(6):
    send(1 << 20)
    for i in range(40):
        time.sleep(0.002)
        send(10)`;
