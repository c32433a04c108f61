// Module load order from modules.dep, on the host's own Debian kernel and on a made-up file.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelVmError } from '../src/index.js';
import { moduleLoadOrder } from '../src/kernel-vm/modules.js';

describe('moduleLoadOrder', () => {
  it('puts dependencies first, each once, and treats - and _ alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-mod-'));
    try {
      writeFileSync(
        join(dir, 'modules.dep'),
        ['kernel/a.ko: kernel/b.ko kernel/c.ko', 'kernel/b.ko: kernel/c.ko', 'kernel/c.ko:', 'kernel/can-raw.ko.xz: kernel/c.ko', ''].join('\n'),
      );
      writeFileSync(join(dir, 'modules.builtin'), 'kernel/builtin_thing.ko\n');
      expect(moduleLoadOrder(dir, ['a', 'can_raw', 'builtin-thing'])).toEqual(['kernel/c.ko', 'kernel/b.ko', 'kernel/a.ko', 'kernel/can-raw.ko.xz']);
      expect(() => moduleLoadOrder(dir, ['nope'])).toThrow(KernelVmError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
