// The decoded signals leave as JSON lines over UDP on 127.0.0.1, one line per datagram, sent in
// sendmmsg batches; a subscriber in the same demo receives and counts them.
import { udpSocket } from '@rxsock/inet';

/** One decoded frame as a JSON line: kernel receive time, bus, id, message and signal values. */
export function toJsonLine({ frame, message, values }) {
  const t = frame.timestampSec + frame.timestampNsec / 1e9;
  const id = `0x${frame.id.toString(16).toUpperCase()}`;
  return Buffer.from(`${JSON.stringify({ t, bus: frame.interfaceName, id, message: message.name, signals: values })}\n`);
}

/** A sender of JSON lines to `target`, counting the lines sent per message. */
export function udpForwarder(target) {
  const udp = udpSocket({ host: '127.0.0.1', port: 0 });
  return {
    sent: 0,
    sentByMessage: new Map(),
    /** Sends `{ message, data }` lines in one sendmmsg batch. */
    async send(lines) {
      await udp.sendMany(lines.map(({ data }) => ({ data, address: target })));
      this.sent += lines.length;
      for (const { message } of lines) this.sentByMessage.set(message, (this.sentByMessage.get(message) ?? 0) + 1);
    },
    close: () => udp.close(),
  };
}

/** The subscriber: parses every line, counts lines per message and lines that were not JSON. */
export function startUdpSubscriber() {
  const udp = udpSocket({ host: '127.0.0.1', port: 0, receiveBufferSize: 4 << 20 });
  const byMessage = new Map();
  let lines = 0;
  let invalid = 0;
  udp.datagrams$.subscribe((d) => {
    for (const line of d.data.toString('utf8').split('\n')) {
      if (line === '') continue;
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        invalid++;
        continue;
      }
      if (typeof record.message !== 'string' || typeof record.signals !== 'object') {
        invalid++;
        continue;
      }
      lines++;
      byMessage.set(record.message, (byMessage.get(record.message) ?? 0) + 1);
    }
  });
  const address = udp.address();
  return {
    address,
    byMessage,
    get lines() {
      return lines;
    },
    get invalid() {
      return invalid;
    },
    get kernelDrops() {
      return udp.counters.kernelDrops;
    },
    close: () => udp.close(),
  };
}
