/**
 * `rxsock-raw sniff` arguments, tcpdump's syntax for the options it shares:
 * `-i IF [-c N] [-w file.pcap|file.pcapng] [-s snaplen] [-p] [-n] [expression]`.
 */

/** Parsed options. */
export interface SniffArgs {
  interface: string;
  count: number | undefined;
  writeFile: string | undefined;
  snapLength: number;
  promiscuous: boolean;
  expression: string | undefined;
  help: boolean;
}

/** Thrown for bad input; the message goes before the usage text. */
export class UsageError extends Error {}

/** The usage text, printed for -h and after a usage error. */
export const SNIFF_USAGE = `Usage: rxsock-raw sniff -i interface [-c count] [-w file.pcap|file.pcapng] [-s snaplen] [-p] [-n] [expression]
  -i interface  capture on this interface ("any": every interface)
  -c count      exit after this many packets
  -w file       write the raw packets to a pcap file (pcapng when the name ends in .pcapng)
  -s snaplen    bytes kept of each packet (default 262144; 0 means 262144)
  -p            do not put the interface into promiscuous mode
  -n            do not convert addresses to names (always the case here)
  expression    a tcpdump filter expression (needs libpcap0.8)
`;

function integer(flag: string, text: string | undefined, min: number): number {
  if (text === undefined) throw new UsageError(`option requires an argument -- '${flag.slice(1)}'`);
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`invalid ${flag === '-c' ? 'packet count' : 'snaplen'} ${text}`);
  return Number(text);
}

/** Parses argv (after `sniff`). @throws UsageError */
export function parseSniffArgs(argv: readonly string[]): SniffArgs {
  const out: SniffArgs = { interface: '', count: undefined, writeFile: undefined, snapLength: 262144, promiscuous: true, expression: undefined, help: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (rest.length > 0 || !a.startsWith('-') || a === '-') {
      rest.push(a);
      continue;
    }
    // tcpdump (getopt) also takes the value glued to the flag: -ieth0, -c10
    const flag = a.slice(0, 2);
    const glued = a.length > 2 ? a.slice(2) : undefined;
    const value = () => glued ?? argv[++i];
    switch (flag) {
      case '-i': {
        const v = value();
        if (v === undefined) throw new UsageError("option requires an argument -- 'i'");
        out.interface = v;
        break;
      }
      case '-c':
        out.count = integer('-c', value(), 1);
        break;
      case '-s': {
        const s = integer('-s', value(), 0);
        out.snapLength = s === 0 ? 262144 : s;
        break;
      }
      case '-w': {
        const v = value();
        if (v === undefined) throw new UsageError("option requires an argument -- 'w'");
        out.writeFile = v;
        break;
      }
      case '-p':
        out.promiscuous = false;
        break;
      case '-n':
        break;
      case '-h':
        out.help = true;
        break;
      case '--':
        if (a === '--help') out.help = true;
        else if (a === '--') rest.push(...argv.slice(i + 1)), (i = argv.length);
        else throw new UsageError(`unrecognized option '${a}'`);
        break;
      default:
        throw new UsageError(`invalid option -- '${a.slice(1, 2)}'`);
    }
  }
  if (!out.help && out.interface === '') throw new UsageError('no interface given (-i)');
  out.expression = rest.length > 0 ? rest.join(' ') : undefined;
  return out;
}
