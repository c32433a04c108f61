// The ```js snippets of docs/*.md and where each page's snippets run: on the host
// (test/docs-snippets.test.ts), or, for a page whose first line is VM_MARKER, in the kernel VM
// (packages/can/test/vm/docs-snippets.test.ts, run by `pnpm test:can`). One extraction, one
// runner, for both.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A page's first line that sends its snippets to the kernel VM (they need SocketCAN). */
export const VM_MARKER = '<!-- snippets run in the kernel VM -->';

/** The guest test that runs the marked pages. */
export const VM_SNIPPETS_TEST = 'packages/can/test/vm/docs-snippets.test.ts';

/** One docs page: where its snippets run, and the snippets. */
export interface DocPage {
  file: string;
  runsIn: 'host' | 'vm';
  /** The first line, to catch a mistyped marker. */
  firstLine: string;
  snippets: string[];
}

/** Every docs/*.md page with its ```js snippets. */
export function docPages(root = repoRoot): DocPage[] {
  const dir = join(root, 'docs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      const firstLine = text.split('\n', 1)[0]!.trim();
      return {
        file,
        runsIn: firstLine === VM_MARKER ? 'vm' : 'host',
        firstLine,
        snippets: [...text.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!),
      };
    });
}

/** The pages whose snippets the kernel VM runs. */
export function vmDocPages(root = repoRoot): DocPage[] {
  return docPages(root).filter((p) => p.runsIn === 'vm');
}

/**
 * Runs one snippet as an ES module with node. `scratch` must lie inside the repository so that
 * `@rxsock/*` resolves through the workspace's node_modules.
 */
export function runSnippet(scratch: string, page: DocPage, index: number, timeoutMs: number): SpawnSyncReturns<string> {
  const path = join(scratch, `${page.file.replace(/\W/g, '_')}-${index}.mjs`);
  writeFileSync(path, page.snippets[index]!);
  return spawnSync(process.execPath, [path], { encoding: 'utf8', timeout: timeoutMs });
}
