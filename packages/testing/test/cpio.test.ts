// The initramfs's cpio writer against the host's own cpio (GNU cpio reads "newc").
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cpioNewc } from '../src/kernel-vm/cpio.js';

describe('cpioNewc', () => {
  it('GNU cpio extracts what it wrote: dirs, files with modes, symlinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxsock-cpio-'));
    try {
      const archive = cpioNewc([
        { kind: 'dir', path: 'bin' },
        { kind: 'file', path: 'bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
        { kind: 'file', path: 'odd', data: Buffer.from('abc') },
        { kind: 'symlink', path: 'bin/sh', target: 'tool' },
      ]);
      const r = spawnSync('cpio', ['-idm', '--quiet'], { cwd: dir, input: archive });
      expect(r.status, String(r.stderr)).toBe(0);
      expect(readFileSync(join(dir, 'bin/tool'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
      expect(statSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
      expect(readFileSync(join(dir, 'odd'), 'utf8')).toBe('abc');
      expect(readlinkSync(join(dir, 'bin/sh'))).toBe('tool');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every header and body 4-byte aligned for any names and sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z]{1,20}$/), fc.uint8Array({ maxLength: 64 })), { maxLength: 8 }), (files) => {
        const seen = new Set<string>();
        const unique = files.filter(([n]) => !seen.has(n) && seen.add(n));
        const buf = cpioNewc(unique.map(([path, data]) => ({ kind: 'file', path, data })));
        let off = 0;
        const names: string[] = [];
        for (;;) {
          expect(buf.toString('ascii', off, off + 6)).toBe('070701');
          const field = (i: number) => parseInt(buf.toString('ascii', off + 6 + i * 8, off + 14 + i * 8), 16);
          const size = field(6);
          const nameLen = field(11);
          const name = buf.toString('utf8', off + 110, off + 110 + nameLen - 1);
          off = Math.ceil((off + 110 + nameLen) / 4) * 4;
          off = Math.ceil((off + size) / 4) * 4;
          if (name === 'TRAILER!!!') break;
          names.push(name);
        }
        expect(off).toBe(buf.length);
        expect(names).toEqual(unique.map(([n]) => n));
      }),
    );
  });
});
