// Where the demo can run: on this kernel when the CAN interface exists or a vcan can be made
// (as scripts/test-can.mjs decides), otherwise in rxsock's kernel VM (packages/testing), which
// boots Debian's kernel under qemu with vcan0, vcan1 and vxcan0<->vxcan1 up.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const KERNEL_VM = fileURLToPath(new URL('../../packages/testing/bin/rxsock-kernel-vm.mjs', import.meta.url));
const DEMO = fileURLToPath(new URL('demo.mjs', import.meta.url));
const VM_PACKAGES = 'qemu-system-x86 linux-image-amd64 busybox-static';

const ip = (...args) => spawnSync('ip', args, { encoding: 'utf8' });

/** Makes `iface` as a vcan here; false when this kernel or this user cannot. */
function makeVcan(iface) {
  if (ip('link', 'add', 'dev', iface, 'type', 'vcan').status !== 0) return false;
  if (ip('link', 'set', iface, 'up').status !== 0) {
    ip('link', 'del', 'dev', iface);
    return false;
  }
  return true;
}

function inKernelVm() {
  return {
    kind: 'vm',
    /** Runs demo.mjs with `args` in the guest; returns its exit status. */
    run(args) {
      if (!existsSync(KERNEL_VM)) {
        process.stderr.write(`demo: this kernel has no CAN and the kernel VM (${KERNEL_VM}) is not here: run the demo from the rxsock repository\n`);
        return 1;
      }
      console.log('demo: this kernel has no CAN: running in the kernel VM (software emulation: the boot takes 15-50 s, starting node in the guest 5-30 s)');
      const r = spawnSync(process.execPath, [KERNEL_VM, '--timeout', '600', '--', process.execPath, DEMO, ...args], { stdio: 'inherit' });
      if (r.status === 125) process.stderr.write(`demo: the kernel VM could not run; it needs the Debian packages ${VM_PACKAGES}, and the build (pnpm run build)\n`);
      return r.status ?? 1;
    },
  };
}

/**
 * `mode` 'auto': here if possible, else the VM; 'here': here or nothing; 'vm': the VM.
 * Returns `{ kind: 'here', cleanup? }`, `{ kind: 'vm', run(args) }` or `{ kind: 'none', reason }`.
 */
export function where(iface, mode = 'auto') {
  if (mode === 'vm') return inKernelVm();
  if (existsSync(`/sys/class/net/${iface}`)) return { kind: 'here' };
  if (makeVcan(iface)) return { kind: 'here', cleanup: () => ip('link', 'del', 'dev', iface) };
  if (mode === 'here') return { kind: 'none', reason: `no CAN interface ${iface} here, and this kernel cannot make a vcan (modprobe vcan, CAP_NET_ADMIN)` };
  return inKernelVm();
}
