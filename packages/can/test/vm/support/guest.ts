/**
 * Guards for tests that need AF_CAN: run by `pnpm test:can` in the kernel VM (or on a host
 * kernel with vcan). Run anywhere else, they fail saying how to run them.
 */
import { existsSync } from 'node:fs';

/** The interfaces every CAN test environment has (the kernel VM brings them up). */
export const CAN_INTERFACES = ['vcan0', 'vcan1', 'vxcan0', 'vxcan1'] as const;

/** True when this process runs inside the kernel VM. */
export const inKernelVm = process.env.RXSOCK_KERNEL_VM === '1';

/** Throws, saying what to do, unless vcan0 exists here. Call it in `beforeAll`. */
export function requireCanKernel(): void {
  if (!existsSync('/sys/class/net/vcan0')) {
    throw new Error('this test needs SocketCAN and vcan0: run it with `pnpm test:can` (kernel VM), not on this host directly');
  }
}
