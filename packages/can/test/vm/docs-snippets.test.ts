// The ```js snippets of the docs pages marked to run in the kernel VM (first line
// `<!-- snippets run in the kernel VM -->`): they need SocketCAN, so they run here, in the guest.
// Starting node takes seconds under emulation, so each page runs in ONE node process, its snippets
// one after another; each snippet must complete without an error, and the process must then exit 0
// by itself (nothing left open). test/docs-snippets.test.ts runs the other pages on the host, one
// process per snippet, and checks that every marked page is in this list.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runPage, vmDocPages, type PageRun } from '../../../../scripts/kernel-vm/doc-snippets.js';
import { requireCanKernel } from './support/index.js';

const pages = vmDocPages();
const scratch = mkdtempSync(join(repoRoot, 'test', '.snippets-vm-'));
// Only catches hangs: starting node alone takes seconds under emulation.
const PAGE_TIMEOUT_MS = 300_000;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs snippets run in the kernel VM', () => {
  it('docs/ has pages marked to run here (docs/can.md at least)', () => {
    requireCanKernel();
    expect(pages.map((p) => p.file)).toContain('can.md');
  });
  for (const page of pages) {
    describe(page.file, () => {
      let run: PageRun | undefined;
      const pageRun = (): PageRun => (run ??= runPage(scratch, page, PAGE_TIMEOUT_MS));
      page.snippets.forEach((_code, i) => {
        it(`snippet ${i + 1}`, { timeout: PAGE_TIMEOUT_MS + 10_000 }, () => {
          const outcome = pageRun().snippets[i]!;
          if (outcome.state !== 'ok') console.error(outcome.error ?? outcome.state);
          expect(outcome.state).toBe('ok');
        });
      });
      it('exits by itself with status 0 once its snippets ran (nothing left open)', { timeout: PAGE_TIMEOUT_MS + 10_000 }, () => {
        const r = pageRun();
        if (r.status !== 0) console.error(r.stdout, r.stderr);
        expect(r.timedOut).toBe(false);
        expect(r.status).toBe(0);
      });
    });
  }
});
