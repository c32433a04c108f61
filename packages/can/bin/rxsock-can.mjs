#!/usr/bin/env node
// rxsock-can: can-utils' candump, cansend, cangen and canplayer on @rxsock/can.
import { main } from '../dist/cli/main.js';

await main(process.argv.slice(2));
