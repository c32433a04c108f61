"""bench/can-receive's python-can receiver: Bus.recv() COUNT times on IFACE, then exit."""
import json
import socket
import sys

import can

iface, count, rcvbuf = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
bus = can.Bus(interface='socketcan', channel=iface)
bus.socket.setsockopt(socket.SOL_SOCKET, 33, rcvbuf)  # SO_RCVBUFFORCE
print('ready', flush=True)
misordered = 0
for n in range(count):
    m = bus.recv(120)
    if m is None:
        sys.exit('timed out after %d frames' % n)
    if m.data[0] != n & 0xff:
        misordered += 1
print(json.dumps({'received': count, 'misordered': misordered}), flush=True)
bus.shutdown()
