// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped") from vitest's
// JSON report, so a run is judged by its counts and not only by its exit code.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-results.json';
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch (e) {
  console.log(`tests: no results (${e instanceof Error ? e.message : String(e)})`);
  process.exitCode = 1;
}
