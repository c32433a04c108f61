/**
 * Usage texts of the four tools, laid out as can-utils lays its own out (the same option letters
 * and meanings), listing what `rxsock-can` implements.
 */

/** candump's usage. */
export function candumpUsage(prog = 'candump'): string {
  return `${prog} - dump CAN bus traffic.

Usage: ${prog} [options] <CAN interface>+
  (use CTRL-C to terminate ${prog})

Options:
         -t <type>   (timestamp: (a)bsolute/(d)elta/(z)ero/(A)bsolute w date)
         -H          (read hardware timestamps instead of system timestamps)
         -c          (increment color mode level)
         -i          (binary output - may exceed 80 chars/line)
         -a          (enable additional ASCII output)
         -S          (swap byte order in printed CAN data[] - marked with '\`' )
         -s <level>  (silent mode - 0: off (default) 1: animation 2: silent)
         -l          (log CAN-frames into file. Sets '-s 2' by default)
         -L          (use log file format on stdout)
         -n <count>  (terminate after reception of <count> CAN frames)
         -r <size>   (set socket receive buffer to <size>)
         -D          (Don't exit if a "detected" can device goes down.
         -d          (monitor dropped CAN frames)
         -e          (dump CAN error frames in human-readable format)
         -x          (print extra message infos, rx/tx brs esi)
         -T <msecs>  (terminate after <msecs> without any reception)

Up to 16 CAN interfaces with optional filter sets can be specified
on the commandline in the form: <ifname>[,filter]*

Filters:
  Comma separated filters can be specified for each given CAN interface:
    <can_id>:<can_mask>
         (matches when <received_can_id> & mask == can_id & mask)
    <can_id>~<can_mask>
         (matches when <received_can_id> & mask != can_id & mask)
    #<error_mask>
         (set error frame filter, see include/linux/can/error.h)
    [j|J]
         (join the given CAN filters - logical AND semantic)

CAN IDs, masks and data content are given and expected in hexadecimal values.
When the can_id is 8 digits long the CAN_EFF_FLAG is set for 29 bit EFF format.
Without any given filter all data frames are received ('0:0' default filter).

Use interface name 'any' to receive from all CAN interfaces.

Examples:
${prog} -c -c -ta can0,123:7FF,400:700,#000000FF can2,400~7F0 can3 can8

${prog} -l any,0~0,#FFFFFFFF
         (log only error frames but no(!) data frames)
${prog} -l any,0:0,#FFFFFFFF
         (log error frames and also all data frames)
${prog} vcan2,12345678:DFFFFFFF
         (match only for extended CAN ID 12345678)
${prog} vcan2,123:7FF
         (matches CAN ID 123 - including EFF and RTR frames)
${prog} vcan2,123:C00007FF
         (matches CAN ID 123 - only SFF and non-RTR frames)

`;
}

/** cansend's usage. */
export function cansendUsage(prog = 'cansend'): string {
  return `${prog} - send CAN-frames via CAN_RAW sockets.

Usage: ${prog} <device> <can_frame>.

<can_frame>:
 <can_id>#{data}          for 'classic' CAN 2.0 data frames
 <can_id>#R{len}          for 'classic' CAN 2.0 data frames
 <can_id>##<flags>{data}  for CAN FD frames

<can_id>:
 3 (SFF) or 8 (EFF) hex chars
{data}:
 0..8 (0..64 CAN FD) ASCII hex-values (optionally separated by '.')
{len}:
 an optional 0..8 value as RTR frames can contain a valid dlc field
<flags>:
 a single ASCII Hex value (0 .. F) which defines canfd_frame.flags

Examples:
  5A1#11.2233.44556677.88 / 123#DEADBEEF / 5AA# / 123##1 / 213##311223344 /
  1F334455#1122334455667788 / 123#R / 00000123#R3

`;
}

/** cangen's usage. */
export function cangenUsage(prog = 'cangen'): string {
  return `${prog} - CAN frames generator.

Usage: ${prog} [options] <CAN interface>
Options:
         -g <ms>       (gap in milli seconds - default: 200 ms)
         -e            (generate extended frame mode (EFF) CAN frames)
         -f            (generate CAN FD CAN frames)
         -b            (generate CAN FD CAN frames with bitrate switch (BRS))
         -E            (generate CAN FD CAN frames with error state (ESI))
         -R            (send RTR frame)
         -m            (mix -e -f -b -E -R frames)
         -I <mode>     (CAN ID generation mode - see below)
         -L <mode>     (CAN data length code (dlc) generation mode - see below)
         -D <mode>     (CAN data (payload) generation mode - see below)
         -p <timeout>  (poll on -ENOBUFS to write frames with <timeout> ms)
         -n <count>    (terminate after <count> CAN frames - default infinite)
         -i            (ignore -ENOBUFS return values on write() syscalls)
         -x            (disable local loopback of generated CAN frames)
         -c            (number of messages to send in burst, default 1)
         -v            (increment verbose level for printing sent CAN frames)

Generation modes:
 'r'         => random values (default)
 'i'         => increment values
 <hexvalue>  => fix value using <hexvalue>

When incrementing the CAN data the data length code minimum is set to 1.
CAN IDs and data content are given and expected in hexadecimal values.

Examples:
${prog} vcan0 -g 4 -I 42A -L 1 -D i -v -v
\t(fixed CAN ID and length, inc. data)
${prog} vcan0 -e -L i -v -v -v
\t(generate EFF frames, incr. length)
${prog} vcan0 -D 11223344DEADBEEF -L 8
\t(fixed CAN data payload and length)
${prog} vcan0 -g 0 -i -x
\t(full load test ignoring -ENOBUFS)
${prog} vcan0 -g 0 -p 10 -x
\t(full load test with polling, 10ms timeout)
${prog} vcan0
\t(my favourite default :)

`;
}

/** canplayer's usage. */
export function canplayerUsage(prog = 'canplayer'): string {
  return `${prog} - replay a compact CAN frame logfile to CAN devices.

Usage: ${prog} <options> [interface assignment]*

Options:
         -I <infile>  (default stdin)
         -l <num>     (process input file <num> times)
                      (Use 'i' for infinite loop - default: 1)
         -t           (ignore timestamps: send frames immediately)
         -g <ms>      (gap in milli seconds - default: 1 ms)
         -s <s>       (skip gaps in timestamps > 's' seconds)
         -x           (disable local loopback of sent CAN frames)
         -v           (verbose: print sent CAN frames)

Interface assignment:
 0..n assignments like <write-if>=<log-if>
 e.g. vcan2=can0 ( send frames received from can0 on vcan2 )
 extra hook: stdout=can0 ( print logfile line marked with can0 on stdout )
 No assignments => send frames to the interface(s) they had been received from.

Lines in the logfile not beginning with '(' (start of timestamp) are ignored.

`;
}
