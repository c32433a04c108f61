// The floor of bench/tls-throughput: a minimal plain JS `stream.Duplex` over a `net.Socket`.
// node:tls treats it as it treats rxsock's SocketDuplex (any stream that is not a net.Socket goes
// through Node's JSStreamSocket: each encrypted write copied, passed through JS stream layers and
// completed one setImmediate later; each read copied into OpenSSL's input), while its bytes move
// through libuv as node:net's do. What rxsock + node:tls costs beyond this line is the adapter's.
import { Duplex } from 'node:stream';

/** Passes bytes both ways between node:tls (above) and a net.Socket (below), nothing else. */
export class JsStreamDuplex extends Duplex {
  constructor(socket) {
    // The same read buffer as SocketDuplex's default (one 64 KiB read); half-open as inet's TLS.
    super({ allowHalfOpen: true, readableHighWaterMark: 65536, writableHighWaterMark: socket.writableHighWaterMark });
    this.socket = socket;
    socket.on('data', (chunk) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
  }

  _read() {
    this.socket.resume();
  }

  _write(chunk, encoding, callback) {
    this.socket.write(chunk, callback);
  }

  _writev(chunks, callback) {
    this.socket.cork();
    for (let i = 0; i < chunks.length - 1; i++) this.socket.write(chunks[i].chunk);
    this.socket.write(chunks[chunks.length - 1].chunk, callback);
    this.socket.uncork();
  }

  _final(callback) {
    this.socket.end(callback);
  }

  _destroy(error, callback) {
    this.socket.destroy();
    callback(error);
  }
}
