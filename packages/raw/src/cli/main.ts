/**
 * `rxsock-raw`: the packet family's command-line tools. `sniff` (tcpdump's common cases) and
 * `ping` (ping(8)'s), dispatched by their first argument.
 */
import { main as pingMain } from './ping.js';
import { sniffMain } from './sniff/run.js';

/** Usage of the dispatcher. */
export const USAGE = `Usage: rxsock-raw <command> [options]
Commands:
  sniff   capture packets, tcpdump style (rxsock-raw sniff -h)
  ping    send ICMP echo requests, ping style (rxsock-raw ping -h)
`;

/** Runs `rxsock-raw` with `argv` (without node and the script); resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'sniff':
      return sniffMain(rest);
    case 'ping':
      return pingMain(rest);
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`${command === undefined ? 'rxsock-raw: no command given' : `rxsock-raw: unknown command '${command}'`}\n${USAGE}`);
      return 1;
  }
}
