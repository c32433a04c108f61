// capture benchmark receiver: npm `cap` (libpcap through a node-gyp addon), counting packets.
// Built at bench time in a scratch directory (see capture.bench.mjs); not a dependency of rxsock.
// usage: capture-cap.mjs CAPDIR IFNAME BUFBYTES
import { createRequire } from 'node:module';

const [capDir, ifname, bufBytes] = process.argv.slice(2);
const { Cap } = createRequire(`${capDir}/`)('cap');
const c = new Cap();
const buffer = Buffer.alloc(262144);
c.open(ifname, '', Number(bufBytes), buffer);
let received = 0;
c.on('packet', () => {
  received++;
});
process.on('SIGTERM', () => {
  c.close();
  console.log(JSON.stringify({ received }));
  process.exit(0);
});
console.log('ready');
