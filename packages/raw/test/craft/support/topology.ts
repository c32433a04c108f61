/**
 * Three namespaces in a line, client — router — server, joined by veth pairs, IPv4 and IPv6,
 * with forwarding on in the router: a peer one hop away, a router to answer TTL exceeded and
 * host unreachable. Everything lives in namespaces this creates and removes.
 */
import { createNetns, ifName, type Netns } from './netns.js';

export interface Line {
  client: Netns;
  router: Netns;
  server: Netns;
  /** Addresses: the router's side facing the client, and the server. */
  routerV4: string;
  routerV6: string;
  serverV4: string;
  serverV6: string;
  /** An address on the server's link where nobody answers. */
  absentV4: string;
  /** Addresses the client routes to an `unreachable` and a `blackhole` route: refused before anything is sent. */
  unroutableV4: string;
  blackholeV4: string;
  remove(): void;
}

export function createLine(): Line {
  const client = createNetns('rxc');
  const router = createNetns('rxr');
  const server = createNetns('rxs');
  const n = 10 + (process.pid % 200);
  try {
    const a = ifName('ca');
    const b = ifName('rb');
    const link = (from: Netns, to: Netns, name: string): void => {
      from.exec('ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`);
      from.exec('ip', 'link', 'set', `${name}p`, 'netns', to.name);
    };
    link(client, router, a);
    link(router, server, b);
    const addr = (ns: Netns, dev: string, v4: string, v6: string): void => {
      ns.exec('ip', 'addr', 'add', v4, 'dev', dev);
      ns.exec('ip', '-6', 'addr', 'add', v6, 'dev', dev, 'nodad');
      ns.exec('ip', 'link', 'set', dev, 'up');
    };
    addr(client, a, `10.${n}.1.1/24`, `fd00:${n}:1::1/64`);
    addr(router, `${a}p`, `10.${n}.1.2/24`, `fd00:${n}:1::2/64`);
    addr(router, b, `10.${n}.2.1/24`, `fd00:${n}:2::1/64`);
    addr(server, `${b}p`, `10.${n}.2.2/24`, `fd00:${n}:2::2/64`);
    router.exec('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    router.exec('sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1');
    // ping sockets (SOCK_DGRAM ICMP) for every group, root included: a per-namespace sysctl
    client.exec('sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647');
    client.exec('ip', 'route', 'add', 'default', 'via', `10.${n}.1.2`);
    client.exec('ip', '-6', 'route', 'add', 'default', 'via', `fd00:${n}:1::2`);
    client.exec('ip', 'route', 'add', 'unreachable', `10.${n}.250.0/24`);
    client.exec('ip', 'route', 'add', 'blackhole', `10.${n}.251.0/24`);
    server.exec('ip', 'route', 'add', 'default', 'via', `10.${n}.2.1`);
    server.exec('ip', '-6', 'route', 'add', 'default', 'via', `fd00:${n}:2::1`);
  } catch (error) {
    for (const ns of [client, router, server]) ns.remove();
    throw error;
  }
  return {
    client,
    router,
    server,
    routerV4: `10.${n}.1.2`,
    routerV6: `fd00:${n}:1::2`,
    serverV4: `10.${n}.2.2`,
    serverV6: `fd00:${n}:2::2`,
    absentV4: `10.${n}.2.99`,
    unroutableV4: `10.${n}.250.1`,
    blackholeV4: `10.${n}.251.1`,
    remove() {
      for (const ns of [client, router, server]) ns.remove();
    },
  };
}
