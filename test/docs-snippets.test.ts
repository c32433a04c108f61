// Every ```js snippet in docs/*.md (the per-family pages of the API site) runs as written,
// against the built packages, and exits 0.
import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'));
// Snippets live in a scratch folder inside the repository so that '@rxsock/*' resolves
// through the workspace's node_modules.
const scratch = mkdtempSync(join(root, 'test', '.snippets-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docs snippets run', () => {
  for (const file of docs) {
    const text = readFileSync(join(root, 'docs', file), 'utf8');
    const snippets = [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    it(`${file} has runnable snippets`, () => {
      expect(snippets.length).toBeGreaterThan(0);
    });
    snippets.forEach((code, i) => {
      it(`${file} snippet ${i + 1}`, () => {
        const path = join(scratch, `${file.replace(/\W/g, '_')}-${i}.mjs`);
        writeFileSync(path, code);
        const r = spawnSync(process.execPath, [path], { encoding: 'utf8', timeout: 20_000 });
        if (r.status !== 0) console.error(r.stdout, r.stderr);
        expect(r.status).toBe(0);
      });
    });
  }
});
