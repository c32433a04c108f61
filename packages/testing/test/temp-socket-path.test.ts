import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeTempSocketDirectories, tempSocketPath } from '../src/index.js';

const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('tempSocketPath', () => {
  it('gives fresh paths whose directories, and what a test put there, are gone once the process exits', () => {
    // A UNIX socket bound at the path and a file beside it, left for the exit to clean up.
    const script = `
      import { writeFileSync } from 'node:fs';
      import { dirname, join } from 'node:path';
      import { C, Socket } from '@rxsock/core';
      import { tempSocketPath } from ${JSON.stringify(distIndex)};
      const paths = [tempSocketPath(), tempSocketPath('other')];
      const s = Socket.create(C.AF_UNIX, C.SOCK_STREAM);
      s.bind(paths[0]);
      writeFileSync(join(dirname(paths[1]), 'left.txt'), 'x');
      console.log(JSON.stringify(paths));
      s.close();
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: dirname(distIndex), timeout: 15_000 });
    expect(run.stderr).toBe('');
    const paths = JSON.parse(run.stdout) as string[];
    expect(paths).toHaveLength(2);
    expect(dirname(paths[0]!)).not.toBe(dirname(paths[1]!));
    expect(paths[1]!.endsWith('/other')).toBe(true);
    for (const path of paths) expect(existsSync(dirname(path))).toBe(false);
  });

  it('removes them on request, as the repository\'s vitest setup does after each test file', () => {
    const path = tempSocketPath();
    writeFileSync(join(dirname(path), 'left.txt'), 'x');
    expect(existsSync(dirname(path))).toBe(true);
    removeTempSocketDirectories();
    expect(existsSync(dirname(path))).toBe(false);
    removeTempSocketDirectories(); // nothing left: nothing to do
  });
});
