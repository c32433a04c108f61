/**
 * The kernel VM: run a command in a throw-away guest kernel that has SocketCAN.
 */
export { runInKernelVm, type KernelVmOptions, type KernelVmResult, type OutputSink } from './run.js';
export { KernelVmError, type KernelVmErrorCode, type KernelVmErrorInfo } from './errors.js';
export { VM_INTERFACES } from './stage2.js';
