/**
 * Child processes for the poller tests. Process lifetime, idle CPU and worker-thread behaviour
 * can only be observed from outside a process, and a child needs JavaScript: there is no tsx
 * here, and building the package with `tsc -b` would fail whenever another file of the checkout
 * is mid-edit. So the import closure of `src/poller/index.ts` alone is transpiled (TypeScript's
 * `transpileModule`, no type check, ~0.5 s) into a temporary directory whose `node_modules`
 * links to the package's own, and the child scripts import from there.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sourceRoot = join(packageRoot, 'src');

let built: string | undefined;

/** Transpiles the poller's import closure once per test file; returns the output root. */
export function buildPoller(): string {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'rxsock-poller-'));
  symlinkSync(join(packageRoot, 'node_modules'), join(out, 'node_modules'), 'dir');
  const pending = [join(sourceRoot, 'poller/index.ts'), join(sourceRoot, 'poller/uv-driver.ts')];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, 'src', relative(sourceRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
    // Type-only imports are gone from the output; follow what is left.
    for (const m of outputText.matchAll(/from\s+'(\.{1,2}\/[^']+)\.js'/g)) {
      pending.push(resolve(dirname(file), `${m[1]}.ts`));
    }
  }
  built = out;
  return out;
}

/**
 * Deletes the transpiled tree (call from `afterAll`: vitest's forks may be killed before an
 * 'exit' listener runs). rm does not follow the node_modules link, the package's stay intact.
 */
export function removeBuild(): void {
  if (built) rmSync(built, { recursive: true, force: true });
  built = undefined;
}

/** The file URL of a transpiled module, such as `'poller/index.js'`. */
export function builtModule(path: string): string {
  return pathToFileURL(join(buildPoller(), 'src', path)).href;
}

/** What a child process left behind. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** Every stdout line that parsed as JSON, in order. */
  messages: Array<Record<string, unknown>>;
}

let scripts = 0;

/**
 * Runs `body` as an ES module in a fresh `node`, after a prelude that imports the transpiled
 * poller as `P` (poller/index.js), `S` (sys/index.js) and `U` (poller/uv-driver.js), and
 * defines `say(obj)` (one JSON line on stdout) and `pair()` (a non-blocking AF_UNIX socketpair).
 * The child is killed after `timeoutMs`, which the result shows as `signal: 'SIGKILL'`.
 */
export function runChild(body: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ChildResult> {
  const root = buildPoller();
  const file = join(root, `child-${process.pid}-${++scripts}.mjs`);
  const prelude = `
import * as P from ${JSON.stringify(builtModule('poller/index.js'))};
import * as S from ${JSON.stringify(builtModule('sys/index.js'))};
import * as U from ${JSON.stringify(builtModule('poller/uv-driver.js'))};
const { sys, C } = S;
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\\n');
const pair = () => {
  const fds = new Int32Array(2);
  if (sys().socketpair(C.AF_UNIX, C.SOCK_STREAM | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, 0, fds) < 0) throw new Error('socketpair errno ' + sys().errno());
  return [fds[0], fds[1]];
};
`;
  writeFileSync(file, `${prelude}\n${body}\n`);
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const messages: Array<Record<string, unknown>> = [];
      for (const line of stdout.split('\n')) {
        try {
          const v: unknown = JSON.parse(line);
          if (v && typeof v === 'object') messages.push(v as Record<string, unknown>);
        } catch {
          // not a message
        }
      }
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - started, messages });
    });
  });
}

/** Both drivers, for `describe.each`. */
export const DRIVERS = ['uv_poll', 'thread'] as const;
