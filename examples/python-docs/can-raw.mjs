// Python docs, socket module, "Example": the CAN_RAW example.
//
//   can_frame_fmt = "=IB3x8s"
//   can_frame_size = struct.calcsize(can_frame_fmt)
//
//   def build_can_frame(can_id, data):
//       can_dlc = len(data)
//       data = data.ljust(8, b'\x00')
//       return struct.pack(can_frame_fmt, can_id, can_dlc, data)
//
//   def dissect_can_frame(frame):
//       can_id, can_dlc, data = struct.unpack(can_frame_fmt, frame)
//       return (can_id, can_dlc, data[:can_dlc])
//
//   s = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
//   s.bind(('vcan0',))
//
//   while True:
//       cf, addr = s.recvfrom(can_frame_size)
//       print('Received: can_id=%x, can_dlc=%x, data=%s' % dissect_can_frame(cf))
//       try:
//           s.send(cf)
//       except OSError:
//           print('Error sending CAN frame')
//       try:
//           s.send(build_can_frame(0x01, b'\x01\x02\x03'))
//       except OSError:
//           print('Error sending CAN frame')
//
// The same program on rxsock's core Socket (Python's socket object) with @rxsock/can's frame
// codec in place of struct. Run: node examples/python-docs/can-raw.mjs   (CAN_IFACE=vcan0)
import { pathToFileURL } from 'node:url';
import { C, Socket, ifNameToIndex } from '@rxsock/core';
import { CAN_MTU, CAN_RAW, canAddress, canFrame, canIdWord, decodeCanFrame, encodeCanFrame } from '@rxsock/can';

const canFrameSize = CAN_MTU; // struct.calcsize("=IB3x8s") == 16

/** Python's build_can_frame: the 16 bytes of a classic frame (the kernel's can_id word). */
export function buildCanFrame(canId, data) {
  return encodeCanFrame(canFrame({ id: canId, data }));
}

/** Python's dissect_can_frame: [can_id with its flag bits, can_dlc, data]. */
export function dissectCanFrame(frame) {
  const f = decodeCanFrame(frame);
  return [canIdWord(f), f.len, f.data];
}

/** Python's repr() of a bytes object, for output identical to the original's. */
export function bytesRepr(data) {
  const bytes = Buffer.from(data);
  const quote = bytes.includes(0x27) && !bytes.includes(0x22) ? '"' : "'";
  let s = 'b' + quote;
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === quote.charCodeAt(0)) s += '\\' + quote;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).padStart(2, '0');
  }
  return s + quote;
}

/**
 * Runs the example on `iface`; `count` frames (Python's loop runs forever: so does this one
 * without `count`). Returns the socket's received-frame count.
 */
export async function main({ iface = process.env.CAN_IFACE ?? 'vcan0', count = Number(process.env.COUNT ?? Infinity), log = console.log } = {}) {
  const s = Socket.create(C.AF_CAN, C.SOCK_RAW, CAN_RAW);
  try {
    s.bind(canAddress(ifNameToIndex(iface))); // Python: s.bind(('vcan0',))
    let n = 0;
    while (n < count) {
      const [cf] = await s.recvFrom(canFrameSize);
      n++;
      const [canId, canDlc, data] = dissectCanFrame(cf);
      log(`Received: can_id=${canId.toString(16)}, can_dlc=${canDlc.toString(16)}, data=${bytesRepr(data)}`);
      try {
        await s.send(cf);
      } catch {
        log('Error sending CAN frame');
      }
      try {
        await s.send(buildCanFrame(0x01, [0x01, 0x02, 0x03]));
      } catch {
        log('Error sending CAN frame');
      }
    }
    return n;
  } finally {
    s.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
