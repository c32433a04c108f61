/** `rxsock-can cansend`: one frame onto one interface. */
import { openCanRaw } from '../socket/raw-socket.js';
import { parseCansendArgs } from './cansend-args.js';
import { perror, writeOut, type CliIo } from './io.js';

/** Runs cansend; resolves with the exit status. */
export async function runCansend(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCansendArgs(args);
  if (!parsed.ok) {
    await writeOut(io.stdout, parsed.stdout);
    await writeOut(io.stderr, parsed.stderr);
    return parsed.exitCode;
  }
  const { interfaceName, frame } = parsed.value;
  let can;
  try {
    can = openCanRaw({ interface: interfaceName, fdFrames: frame.kind === 'fd', filters: [], timestamps: false });
  } catch (e) {
    const code = (e as { code?: string }).code;
    await writeOut(io.stderr, perror(code === 'ENODEV' ? 'if_nametoindex' : 'socket', e));
    return 1;
  }
  try {
    await can.send(frame);
    return 0;
  } catch (e) {
    if ((e as { code?: string }).code === 'EINVAL' && frame.kind === 'fd') {
      await writeOut(io.stdout, 'CAN interface is not CAN FD capable - sorry.\n');
      return 1;
    }
    await writeOut(io.stderr, perror('write', e));
    return 1;
  } finally {
    can.close();
  }
}
