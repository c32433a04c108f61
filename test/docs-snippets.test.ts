// Every ```js snippet in docs/*.md (the per-family pages of the API site) runs as written,
// against the built packages, and exits 0. Pages marked to run in the kernel VM (they need
// SocketCAN) are run by packages/can/test/vm/docs-snippets.test.ts under `pnpm test:can`; here
// we check that each of them is in that test's list, so no page is silently dropped.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { kernelVmTests } from '../vitest.config.js';
import { docPages, repoRoot, runSnippet, VM_MARKER, VM_SNIPPETS_TEST, vmDocPages } from '../scripts/kernel-vm/doc-snippets.js';

const pages = docPages();
const scratch = mkdtempSync(join(repoRoot, 'test', '.snippets-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs snippets run', () => {
  for (const page of pages) {
    it(`${page.file} has runnable snippets`, () => {
      expect(page.snippets.length).toBeGreaterThan(0);
    });
    if (page.runsIn === 'vm') {
      it(`${page.file} runs in the kernel VM (${VM_SNIPPETS_TEST})`, () => {
        expect(vmDocPages().map((p) => p.file)).toContain(page.file);
        expect(existsSync(join(repoRoot, VM_SNIPPETS_TEST))).toBe(true);
        // The guest test is excluded here and picked up by `pnpm test:can` (all of packages/can/test).
        expect(VM_SNIPPETS_TEST.startsWith(kernelVmTests.replace(/\*+$/, ''))).toBe(true);
      });
      continue;
    }
    it(`${page.file} is not mismarked for the kernel VM`, () => {
      // A near miss of the marker would run the page here, where CAN snippets fail: say why.
      if (/kernel vm/i.test(page.firstLine)) expect(page.firstLine).toBe(VM_MARKER);
    });
    page.snippets.forEach((_code, i) => {
      it(`${page.file} snippet ${i + 1}`, () => {
        const r = runSnippet(scratch, page, i, 20_000);
        if (r.status !== 0) console.error(r.stdout, r.stderr);
        expect(r.status).toBe(0);
      });
    });
  }
});
