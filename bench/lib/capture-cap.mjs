// capture benchmark receiver: npm `cap` (libpcap through a node-gyp addon), counting packets.
// Built at bench time in a scratch directory (see capture.bench.mjs); not a dependency of rxsock.
// usage: capture-cap.mjs CAPDIR IFNAME BUFBYTES
//
// The packet buffer must stay reachable for as long as the capture runs: cap's addon keeps only
// a raw pointer to its bytes (Pcap::Open stores Buffer::Data, no reference to the Buffer), and
// libpcap's callback memcpy()s every packet there. A module-level `const` that no closure uses is
// not kept alive by V8 once the module body has run, so the GC freed it and the next packet
// crashed node in __memcpy_avx_unaligned_erms under Pcap::EmitPacket (gdb backtrace, Node 20).
// Here the handler closes over it (and reads the frame length from it, as a user's decoder would).
import { createRequire } from 'node:module';

const [capDir, ifname, bufBytes] = process.argv.slice(2);
const { Cap } = createRequire(`${capDir}/`)('cap');
const c = new Cap();
const buffer = Buffer.alloc(65536);
c.open(ifname, '', Number(bufBytes), buffer);
let received = 0;
let bytes = 0;
c.on('packet', (nbytes) => {
  received++;
  bytes += Math.min(nbytes, buffer.length);
});
process.on('SIGTERM', () => {
  c.close();
  console.log(JSON.stringify({ received, bytes }));
  process.exit(0);
});
console.log('ready');
