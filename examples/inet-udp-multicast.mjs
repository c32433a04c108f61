// UDP with @rxsock/inet: a multicast group joined on the loopback interface, IP_PKTINFO telling
// each datagram's destination, and a batch sent with one sendmmsg. Nothing leaves the host.
//
// Run: npx -y pnpm@10.34.8 run build && node examples/inet-udp-multicast.mjs
import { udpSocket } from '@rxsock/inet';
import { formatAddress } from '@rxsock/core';

const GROUP = '239.255.77.1';
const receiver = udpSocket({ host: '0.0.0.0', reuseAddress: true, pktinfo: true });
receiver.addMembership(GROUP, '127.0.0.1'); // join on lo
const port = receiver.address().port;

const sender = udpSocket({ host: '127.0.0.1', multicastInterface: '127.0.0.1', multicastLoopback: true });

const count = 3;
let seen = 0;
const done = new Promise((resolve) =>
  receiver.datagrams$.subscribe((d) => {
    console.log(`got ${JSON.stringify(d.data.toString())} from ${formatAddress(d.address)} sent to ${d.destination?.host} (ifindex ${d.destination?.interfaceIndex})`);
    if (++seen === count) resolve();
  }),
);
await sender.sendMany(Array.from({ length: count }, (_, i) => ({ data: Buffer.from(`datagram ${i}`), address: [GROUP, port] })));
await done;
console.log('counters:', receiver.counters);
receiver.dropMembership(GROUP, '127.0.0.1');
receiver.close();
sender.close();
