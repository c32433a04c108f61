// The raw-socket sniffer at the end of Python's socket documentation, in its Linux form.
//
// Python's example binds a raw IP socket to the public interface and switches it to receive
// every packet (SIO_RCVALL, Windows only). On Linux the same sniffer is a packet socket:
//
//   s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(ETH_P_ALL))
//   s.bind((IFACE, 0))
//   mreq = struct.pack('iHH8s', socket.if_nametoindex(IFACE), PACKET_MR_PROMISC, 0, b'')
//   s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)      # receive all packets
//   print(s.recvfrom(65565))
//   s.setsockopt(SOL_PACKET, PACKET_DROP_MEMBERSHIP, mreq)     # back to normal
//
// Here: @rxsock/raw's PacketSocket (an AF_PACKET SOCK_RAW socket for ETH_P_ALL bound to the
// interface), promiscuous membership added and dropped explicitly, one recvfrom, and the result
// printed as Python prints its (bytes, address) tuple. Needs root (CAP_NET_RAW).
// Usage: IFACE=eth0 node examples/python-docs/raw-sniffer.mjs
import { ifIndexToName, ifNameIndex } from '@rxsock/core';
import { PacketSocket } from '@rxsock/raw';

/** Python's repr of a bytes object. */
export function pyBytes(bytes) {
  let s = "b'";
  for (const b of bytes) {
    if (b === 0x5c) s += '\\\\';
    else if (b === 0x27) s += "\\'";
    else if (b === 0x09) s += '\\t';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${s}'`;
}

/** The first interface that is not loopback, as Python's example takes "the public interface". */
function publicInterface() {
  const found = ifNameIndex().find(([, name]) => name !== 'lo');
  if (!found) throw new Error('no network interface besides lo');
  return found[1];
}

/**
 * Captures one frame on `iface` in promiscuous mode and returns Python's (bytes, address) as
 * text, with the frame and its address.
 */
export async function main({ iface = process.env.IFACE ?? publicInterface(), print = true } = {}) {
  const s = PacketSocket.open({ interface: iface }); // AF_PACKET, SOCK_RAW, ETH_P_ALL, bound to iface
  try {
    s.addMembership({ kind: 'promiscuous' }); // receive all packets
    const [data, address] = await s.socket.recvFrom(65565);
    const addr = `('${ifIndexToName(address.interfaceIndex)}', ${address.protocol}, ${['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'].indexOf(address.packetType)}, ${address.hardwareType}, ${pyBytes(Buffer.from((address.address ?? '').split(':').filter(Boolean).map((h) => parseInt(h, 16))))})`;
    const text = `(${pyBytes(data)}, ${addr})`;
    if (print) console.log(text);
    s.dropMembership({ kind: 'promiscuous' }); // back to normal
    return { text, data, address };
  } finally {
    s.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`raw-sniffer: ${error.message}`);
    process.exitCode = 1;
  });
}
