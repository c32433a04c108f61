// bench/can-receive's rxsock receiver: @rxsock/can's frames$ with default options on IFACE,
// counting COUNT frames (checking their order), then exiting. Prints "ready" once subscribed.
import { openCanRaw } from '@rxsock/can';

const [iface, count, rcvbuf] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const can = openCanRaw({ interface: iface, receiveBufferSize: rcvbuf, forceReceiveBuffer: true });
let n = 0;
let misordered = 0;
const reader = can.reader();
reader.frames$.subscribe((f) => {
  // cangen -D i: the first data byte counts up with the frame
  if (f.data[0] !== (n & 0xff)) misordered++;
  if (++n === count) {
    console.log(JSON.stringify({ received: n, misordered, kernelDrops: reader.counters.kernelDrops }));
    can.close();
    process.exit(0);
  }
});
reader.request(Infinity);
console.log('ready');
