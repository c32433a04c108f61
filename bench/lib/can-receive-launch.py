"""Runs one CAN receiver for bench/can-receive: starts it, waits until it is ready (a "ready"
line, or for candump its CAN_RAW receiver in /proc/net/can/rcvlist_all), stops it (SIGSTOP),
has cangen fill its receive buffer with COUNT frames, resumes it (SIGCONT) and takes its CPU
time from wait4()'s rusage minus what it had used when stopped (/proc/PID/stat). Prints one JSON
line: {"cpu_s": ..., "startup_cpu_s": ..., "exit": ...}.

With --warm N, the running receiver first gets N frames (cangen, as fast as it goes) and is
stopped only once it has taken them all and its CPU time has stopped moving: what is measured
is then a warm receiver, as a long-running one is, with its start-up and first-use costs (for
node, compiling the hot path) left out, the same for every receiver. The receiver must be told
to take N + COUNT frames.

usage: can-receive-launch.py IFACE COUNT READY(line|rcvlist) [--warm N] -- CMD ARGS...
"""
import json
import os
import signal
import subprocess
import sys
import time

iface, count, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
warm = int(sys.argv[sys.argv.index('--warm') + 1]) if '--warm' in sys.argv[:sys.argv.index('--')] else 0
cmd = sys.argv[sys.argv.index('--') + 1:]
ticks = os.sysconf('SC_CLK_TCK')


def receivers():
    with open('/proc/net/can/rcvlist_all') as f:
        return sum(1 for line in f if line.split()[:1] == [iface])


def cpu_of(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    # utime and stime are fields 14 and 15 of stat; here 0-based after the comm field
    return (int(fields[11]) + int(fields[12])) / ticks


before = receivers()
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE if ready == 'line' else subprocess.DEVNULL)
if ready == 'line':
    line = proc.stdout.readline().decode()
    if not line.startswith('ready'):
        sys.exit('receiver did not get ready: %r' % line)
else:
    deadline = time.time() + 120
    while receivers() <= before:
        if time.time() > deadline:
            sys.exit('receiver did not bind')
        time.sleep(0.05)
if warm > 0:
    subprocess.run(['cangen', iface, '-g', '0', '-n', str(warm), '-I', 'i', '-L', '8', '-D', 'i'], check=True)
    # taken them all and idle: the CPU time stops moving (ticks are 10 ms; emulation is slow)
    last, still = -1.0, 0
    deadline = time.time() + 300
    while still < 3:
        if time.time() > deadline:
            sys.exit('receiver did not go idle after the warm-up')
        time.sleep(0.5)
        now = cpu_of(proc.pid)
        still = still + 1 if now == last else 0
        last = now
os.kill(proc.pid, signal.SIGSTOP)
startup = cpu_of(proc.pid)
subprocess.run(['cangen', iface, '-g', '0', '-n', str(count), '-I', 'i', '-L', '8', '-D', 'i'], check=True)
os.kill(proc.pid, signal.SIGCONT)
rest = proc.stdout.read().decode() if ready == 'line' else ''
_, status, usage = os.wait4(proc.pid, 0)
total = usage.ru_utime + usage.ru_stime
print(json.dumps({'cpu_s': total - startup, 'startup_cpu_s': startup, 'exit': os.waitstatus_to_exitcode(status), 'output': rest.strip()}), flush=True)
