/** A connected socket's peer address as text, for error messages. */
import { formatAddress } from '../codec/address.js';
import { decodeSockaddr } from '../codec/sockaddr.js';
import { sys } from '../sys/index.js';

const addrScratch = Buffer.alloc(128);
const addrLenScratch = new Uint32Array(1);

/** `getpeername(fd)` formatted, or undefined when there is no peer or it cannot be rendered. */
export function peerAddressText(fd: number): string | undefined {
  if (fd < 0) return undefined;
  addrLenScratch[0] = addrScratch.length;
  if (sys().getpeername(fd, addrScratch, addrLenScratch) !== 0 || addrLenScratch[0]! <= 2) return undefined;
  try {
    return formatAddress(decodeSockaddr(addrScratch, addrLenScratch[0]!));
  } catch {
    // an address we cannot render is left out of the message
    return undefined;
  }
}
