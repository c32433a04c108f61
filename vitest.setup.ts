// Runs in every test file's process. vitest ends its workers with SIGTERM, so no exit handler
// runs there: the directories @rxsock/testing's tempSocketPath made are removed after each test
// file instead. The module imported has no dependency, so a test file loads nothing more.
import { afterAll } from 'vitest';
import { removeTempSocketDirectories } from './packages/testing/src/temp-socket-path.js';

afterAll(removeTempSocketDirectories);
