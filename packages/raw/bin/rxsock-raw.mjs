#!/usr/bin/env node
// rxsock-raw: packet capture (sniff) and ping. Runs the package's built code.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    // main() reports its own errors; this is a bug, still no stack trace for the user
    process.stderr.write(`rxsock-raw: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  },
);
