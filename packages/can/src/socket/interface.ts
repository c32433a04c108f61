/** CAN interfaces by name or index, and the index -> name lookups the receive path needs. */
import { ifIndexToName, ifNameToIndex, invalidArgument } from '@rxsock/core';

/** An interface as the CAN API accepts it: a name (`'vcan0'`), an index, or `'any'` / 0 for all. */
export type CanInterface = string | number;

/**
 * The interface index of `input` (0 for `'any'`, `''` or 0: every CAN interface, as candump's
 * `any`).
 * @throws `SocketError` `ENODEV` for an unknown name, `EINVAL` for a bad index.
 */
export function interfaceIndex(input: CanInterface | undefined): number {
  if (input === undefined || input === 'any' || input === '' || input === 0) return 0;
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0 || input > 0x7fffffff) throw invalidArgument(`interface index ${String(input)} out of range`, 'bind');
    return input;
  }
  return ifNameToIndex(input);
}

/**
 * Names of interface indexes, remembered: a receive loop asks once per interface, not per frame.
 * An index that no longer resolves (the interface went away) reads as `''`.
 */
export class InterfaceNames {
  private readonly names = new Map<number, string>();

  name(ifindex: number): string {
    let n = this.names.get(ifindex);
    if (n === undefined) {
      try {
        n = ifindex === 0 ? '' : ifIndexToName(ifindex);
      } catch {
        n = '';
      }
      this.names.set(ifindex, n);
    }
    return n;
  }
}
