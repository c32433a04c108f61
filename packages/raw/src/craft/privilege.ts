/**
 * Opening the sockets that need a privilege: raw sockets need CAP_NET_RAW, ping sockets need the
 * process's group in `net.ipv4.ping_group_range`. A refusal becomes a {@link PrivilegeError} that
 * says which, and how to get it, instead of a bare EPERM/EACCES.
 */
import { readFileSync } from 'node:fs';
import { C, Socket, SocketError } from '@rxsock/core';

/**
 * The kernel refused a socket for want of a privilege. `code`, `errno` and `syscall` are the
 * system error's (`EPERM` or `EACCES` from `socket`); `capability` names the capability that was
 * missing, `sysctl` the setting that forbids ping sockets.
 */
export class PrivilegeError extends SocketError {
  /** The capability the call needs (`'CAP_NET_RAW'`), when a capability is what was missing. */
  readonly capability?: string;
  /** The sysctl that decides (`'net.ipv4.ping_group_range'`), when a setting is what forbids it. */
  readonly sysctl?: string;

  constructor(message: string, cause: SocketError, extra: { capability?: string; sysctl?: string }) {
    super(message, { code: cause.code, ...(cause.errno !== undefined ? { errno: cause.errno } : {}), syscall: cause.syscall ?? 'socket' }, { cause });
    this.name = 'PrivilegeError';
    if (extra.capability !== undefined) this.capability = extra.capability;
    if (extra.sysctl !== undefined) this.sysctl = extra.sysctl;
  }
}

const FAMILY_NAMES: Record<number, string> = { [C.AF_INET]: 'AF_INET', [C.AF_INET6]: 'AF_INET6' };
const TYPE_NAMES: Record<number, string> = { [C.SOCK_RAW]: 'SOCK_RAW', [C.SOCK_DGRAM]: 'SOCK_DGRAM' };
const PROTOCOL_NAMES: Record<number, string> = {
  [C.IPPROTO_ICMP]: 'IPPROTO_ICMP',
  [C.IPPROTO_ICMPV6]: 'IPPROTO_ICMPV6',
  [C.IPPROTO_RAW]: 'IPPROTO_RAW',
  [C.IPPROTO_UDP]: 'IPPROTO_UDP',
  [C.IPPROTO_TCP]: 'IPPROTO_TCP',
};

function callText(family: number, type: number, protocol: number): string {
  return `socket(${FAMILY_NAMES[family] ?? family}, ${TYPE_NAMES[type] ?? type}, ${PROTOCOL_NAMES[protocol] ?? protocol})`;
}

/** The ping group range of this process's network namespace, as the kernel prints it. */
export function pingGroupRange(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().replace(/\s+/g, ' ');
  } catch {
    return undefined;
  }
}

/** Whether the process's real, effective or supplementary groups fall in the ping group range. */
function groupsText(): string {
  const groups = new Set<number>([process.getgid?.() ?? -1, process.getegid?.() ?? -1, ...(process.getgroups?.() ?? [])]);
  groups.delete(-1);
  return [...groups].sort((a, b) => a - b).join(' ');
}

/**
 * `socket(family, type, protocol)` for a raw or ping socket, with privilege failures explained:
 * EPERM on a raw socket names CAP_NET_RAW; EACCES on a ping socket (SOCK_DGRAM + ICMP) names
 * `net.ipv4.ping_group_range`, its current value and the process's groups.
 *
 * @throws {@link PrivilegeError} for EPERM/EACCES; other `SocketError`s as they come.
 */
export function openPrivilegedSocket(family: number, type: number, protocol: number): Socket {
  try {
    return Socket.create(family, type, protocol);
  } catch (error) {
    if (!(error instanceof SocketError)) throw error;
    const call = callText(family, type, protocol);
    const ping = type === C.SOCK_DGRAM && (protocol === C.IPPROTO_ICMP || protocol === C.IPPROTO_ICMPV6);
    if (ping && (error.code === 'EACCES' || error.code === 'EPERM')) {
      const range = pingGroupRange();
      throw new PrivilegeError(
        `${call} ${error.code}: ping sockets are allowed only to groups in net.ipv4.ping_group_range ` +
          `(now "${range ?? 'unknown'}"; this process's groups: ${groupsText()}). Allow them with ` +
          `sysctl -w net.ipv4.ping_group_range="0 2147483647" (set per network namespace; it also ` +
          `covers IPv6), or use a raw ICMP socket, which needs CAP_NET_RAW`,
        error,
        { sysctl: 'net.ipv4.ping_group_range' },
      );
    }
    if (!ping && type === C.SOCK_RAW && error.code === 'EPERM') {
      throw new PrivilegeError(
        `${call} EPERM: raw sockets need the CAP_NET_RAW capability (run as root, or grant it: ` +
          `setcap cap_net_raw+ep "$(command -v node)")${protocol === C.IPPROTO_ICMP || protocol === C.IPPROTO_ICMPV6 ? '; for echo requests a ping socket needs no capability when net.ipv4.ping_group_range allows the group' : ''}`,
        error,
        { capability: 'CAP_NET_RAW' },
      );
    }
    throw error;
  }
}
