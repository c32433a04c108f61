// The ```js snippets of the docs pages marked to run in the kernel VM (first line
// `<!-- snippets run in the kernel VM -->`): they need SocketCAN, so they run here, in the guest,
// each as its own node process, and must exit 0. test/docs-snippets.test.ts runs the other pages
// on the host and checks that every marked page is in this list.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runSnippet, vmDocPages } from '../../../../scripts/kernel-vm/doc-snippets.js';
import { requireCanKernel } from './support/index.js';

const pages = vmDocPages();
const scratch = mkdtempSync(join(repoRoot, 'test', '.snippets-vm-'));
// Only catches hangs: starting node alone takes seconds under emulation.
const SNIPPET_TIMEOUT_MS = 240_000;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs snippets run in the kernel VM', () => {
  it('docs/ has pages marked to run here (docs/can.md at least)', () => {
    requireCanKernel();
    expect(pages.map((p) => p.file)).toContain('can.md');
  });
  for (const page of pages) {
    page.snippets.forEach((_code, i) => {
      it(`${page.file} snippet ${i + 1}`, { timeout: SNIPPET_TIMEOUT_MS + 10_000 }, () => {
        const r = runSnippet(scratch, page, i, SNIPPET_TIMEOUT_MS);
        if (r.status !== 0) console.error(r.stdout, r.stderr, r.error ?? '');
        expect(r.status).toBe(0);
      });
    });
  }
});
