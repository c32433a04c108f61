"""Runs one CAN receiver for bench/can-receive: starts it, waits until it is ready (a "ready"
line, or for candump its CAN_RAW receiver in /proc/net/can/rcvlist_all), stops it (SIGSTOP),
has cangen fill its receive buffer with COUNT frames, resumes it (SIGCONT) and takes its CPU
time from wait4()'s rusage minus what it had used when stopped (/proc/PID/stat). Prints one JSON
line: {"cpu_s": ..., "startup_cpu_s": ..., "exit": ...}.

usage: can-receive-launch.py IFACE COUNT READY(line|rcvlist) -- CMD ARGS...
"""
import json
import os
import signal
import subprocess
import sys
import time

iface, count, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
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
os.kill(proc.pid, signal.SIGSTOP)
startup = cpu_of(proc.pid)
subprocess.run(['cangen', iface, '-g', '0', '-n', str(count), '-I', 'i', '-L', '8', '-D', 'i'], check=True)
os.kill(proc.pid, signal.SIGCONT)
rest = proc.stdout.read().decode() if ready == 'line' else ''
_, status, usage = os.wait4(proc.pid, 0)
total = usage.ru_utime + usage.ru_stime
print(json.dumps({'cpu_s': total - startup, 'startup_cpu_s': startup, 'exit': os.waitstatus_to_exitcode(status), 'output': rest.strip()}), flush=True)
