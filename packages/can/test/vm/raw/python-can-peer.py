"""python-can on the other end of the CAN_RAW interop tests (run by /usr/bin/python3).

recv CHANNEL COUNT FILTERS_JSON: prints "ready", then one JSON line per message received.
send CHANNEL FRAMES_JSON: sends each frame with Bus.send, prints "sent N".
"""
import json
import sys

import can


def bus(channel, filters=None):
    return can.Bus(interface='socketcan', channel=channel, fd=True, can_filters=filters, receive_own_messages=False)


def main():
    mode, channel = sys.argv[1], sys.argv[2]
    if mode == 'recv':
        count = int(sys.argv[3])
        filters = json.loads(sys.argv[4]) or None
        b = bus(channel, filters)
        print('ready', flush=True)
        for _ in range(count):
            m = b.recv(120)
            if m is None:
                print('timeout', flush=True)
                sys.exit(2)
            print(json.dumps({
                'id': m.arbitration_id, 'extended': m.is_extended_id, 'rtr': m.is_remote_frame,
                'fd': m.is_fd, 'brs': m.bitrate_switch, 'esi': m.error_state_indicator,
                'error': m.is_error_frame, 'dlc': m.dlc, 'data': m.data.hex(),
            }), flush=True)
        b.shutdown()
    elif mode == 'send':
        frames = json.loads(sys.argv[3])
        b = bus(channel)
        for f in frames:
            b.send(can.Message(arbitration_id=f['id'], is_extended_id=f['extended'], is_remote_frame=f['rtr'],
                               is_fd=f['fd'], bitrate_switch=f['brs'], error_state_indicator=f['esi'],
                               dlc=f['dlc'], data=bytes.fromhex(f['data'])))
        print('sent %d' % len(frames), flush=True)
        b.shutdown()


main()
