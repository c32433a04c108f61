/** Host and network interface lookups: `gethostname`, `if_nameindex` and friends. */
import { SocketError, systemError } from '../errors.js';
import { checked } from '../sys/calls.js';
import { sys } from '../sys/index.js';

/** `gethostname()`. */
export function gethostname(): string {
  const buf = Buffer.alloc(256);
  checked('gethostname', () => sys().gethostname(buf, buf.length));
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

/** `if_nameindex()`: every interface as `[index, name]`. */
export function ifNameIndex(): Array<[index: number, name: string]> {
  try {
    return sys().ifNameIndex();
  } catch (e) {
    throw systemError('if_nameindex', (e as { errno?: number }).errno ?? 0);
  }
}

/** `if_nametoindex(name)`; an unknown name is an ENODEV {@link SocketError}, as in Python. */
export function ifNameToIndex(name: string): number {
  const i = sys().ifNameToIndex(name);
  if (i === 0) {
    const e = systemError('if_nametoindex', sys().errno() || 19 /* ENODEV */);
    throw new SocketError(`if_nametoindex: no interface named '${name}' (${e.code})`, { code: e.code, errno: e.errno ?? 19, syscall: 'if_nametoindex', address: name });
  }
  return i;
}

/** `if_indextoname(index)`; an unknown index is an ENXIO {@link SocketError}. */
export function ifIndexToName(index: number): string {
  const name = sys().ifIndexToName(index);
  if (name === null) throw systemError('if_indextoname', sys().errno() || 6 /* ENXIO */, String(index));
  return name;
}
