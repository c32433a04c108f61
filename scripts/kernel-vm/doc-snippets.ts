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

/** What became of one snippet of a page run by {@link runPage}. */
export interface SnippetOutcome {
  /** 'ok', 'failed' (it threw; `error` says what) or 'not-run' (an earlier one ended the process). */
  state: 'ok' | 'failed' | 'not-run';
  error?: string;
}

/** The result of running a whole page in one node process. */
export interface PageRun {
  snippets: SnippetOutcome[];
  /** The process's exit status (null on a timeout or a signal): 0 only when every snippet passed and nothing it left open kept the process alive. */
  status: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

const MARK = '\u0001rxsock-snippet';

/**
 * Runs every snippet of `page` in ONE node process, one after another (each its own ES module,
 * imported in order), and reports each one. For the kernel VM, where starting node takes seconds:
 * one start per page instead of one per snippet. The process must then exit by itself, which shows
 * that no snippet left a socket or timer behind. `scratch` must lie inside the repository.
 */
export function runPage(scratch: string, page: DocPage, timeoutMs: number): PageRun {
  const base = join(scratch, page.file.replace(/\W/g, '_'));
  const files = page.snippets.map((code, i) => {
    const path = `${base}-${i}.mjs`;
    writeFileSync(path, code);
    return path;
  });
  const driver = `${base}-page.mjs`;
  writeFileSync(
    driver,
    [
      `const files = ${JSON.stringify(files)};`,
      `for (let i = 0; i < files.length; i++) {`,
      `  try { await import(files[i]); process.stdout.write(${JSON.stringify(MARK)} + ' ' + i + ' ok\\n'); }`,
      `  catch (e) { process.stdout.write(${JSON.stringify(MARK)} + ' ' + i + ' failed ' + JSON.stringify(String(e?.stack ?? e)) + '\\n'); process.exitCode = 1; }`,
      `}`,
    ].join('\n'),
  );
  const r = spawnSync(process.execPath, [driver], { encoding: 'utf8', timeout: timeoutMs });
  const snippets: SnippetOutcome[] = page.snippets.map(() => ({ state: 'not-run' }));
  const output: string[] = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = line.startsWith(MARK) ? /^\S+ (\d+) (ok|failed)(?: (.*))?$/.exec(line) : null;
    if (!m) {
      output.push(line);
      continue;
    }
    snippets[Number(m[1])] = m[2] === 'ok' ? { state: 'ok' } : { state: 'failed', error: JSON.parse(m[3]!) as string };
  }
  // A snippet that crashed the process (an unhandled rejection) is the first one not reported.
  const crashed = snippets.findIndex((s) => s.state === 'not-run');
  if (crashed >= 0) snippets[crashed] = { state: 'failed', error: `the process ended here (status ${r.status}, signal ${r.signal}): ${r.stderr}` };
  return { snippets, status: r.status, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT', stdout: output.join('\n'), stderr: r.stderr ?? '' };
}
