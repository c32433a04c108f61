/**
 * The guest's second stage, written for each run into the control share and run by the host's
 * own `/bin/sh` in the guest's root: CAN interfaces up, then the one command, its stdout and
 * stderr carried to the host by two virtio serial ports, its exit status left in the control
 * share.
 */

/** Names of the virtio serial ports carrying the command's output. */
export const PORT_NAMES = { stdout: 'rxsock.stdout', stderr: 'rxsock.stderr' } as const;

/** The virtual CAN interfaces every guest has. */
export const VM_INTERFACES = { vcan: ['vcan0', 'vcan1'], vxcanPair: ['vxcan0', 'vxcan1'] } as const;

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What stage 2 runs. */
export interface Stage2Options {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** The control share's path (the same in the host and the guest). */
  control: string;
}

export function stage2Script(o: Stage2Options): string {
  const envWords = Object.entries(o.env).map(([k, v]) => shellQuote(`${k}=${v}`));
  const [a, b] = VM_INTERFACES.vxcanPair;
  return `# rxsock kernel VM, stage 2 (generated)
say() { echo "rxsock-vm: [$(cut -d" " -f1 /proc/uptime)] $*" > /dev/console; }
fail() { say "FAIL: $*"; echo 125 > ${shellQuote(`${o.control}/setup-failed`)}; exit 125; }
# One ip process for all links: every exec costs time under emulation.
ip -batch - <<'LINKS' || fail "create the CAN interfaces (ip -batch; is iproute2 installed?)"
link set lo up
${VM_INTERFACES.vcan.map((n) => `link add dev ${n} type vcan
link set ${n} up`).join('\n')}
link add dev ${a} type vxcan peer name ${b}
link set ${a} up
link set ${b} up
LINKS
say "interfaces up"
port() {
  for d in /sys/class/virtio-ports/*; do
    [ "$(cat "$d/name" 2>/dev/null)" = "$1" ] && { echo "/dev/\${d##*/}"; return 0; }
  done
  return 1
}
OUT=$(port ${PORT_NAMES.stdout}) || fail "no virtio port ${PORT_NAMES.stdout}"
ERR=$(port ${PORT_NAMES.stderr}) || fail "no virtio port ${PORT_NAMES.stderr}"
# The command writes to pipes, as it would under a host process runner; cat carries each
# to its port (a port can be opened only once, a pipe any number of times).
mkfifo /run/rxsock-out /run/rxsock-err || fail "mkfifo in /run"
cat /run/rxsock-out > "$OUT" &
o=$!
cat /run/rxsock-err > "$ERR" &
e=$!
cd ${shellQuote(o.cwd)} || fail "cd ${o.cwd.replace(/"/g, '')}"
say "command starting"
# setsid: the command leads its own process group, so whatever it leaves running in the
# background (holding the output pipes open) can be killed once it exits.
setsid env -i ${envWords.join(' ')} /bin/sh -c 'exec "$@"' sh ${[o.command, ...o.args].map(shellQuote).join(' ')} < /dev/null > /run/rxsock-out 2> /run/rxsock-err &
pid=$!
wait $pid
status=$?
kill -KILL -- -$pid 2>/dev/null
i=0
while { kill -0 $o || kill -0 $e; } 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ $i -lt 100 ] || { say "processes outside the command's group still hold its output open; killing all"; kill -KILL -1; }
wait $o $e 2>/dev/null
echo $status > ${shellQuote(`${o.control}/status`)}
say "command exited with status $status"
`;
}
