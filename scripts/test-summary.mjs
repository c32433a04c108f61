// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped"), summed over
// vitest's JSON reports (the main run, and the socket/stream suites again on the thread
// driver), so a run is judged by its counts and not only by its exit code.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } catch (e) {
    console.log(`${file}: no results (${e instanceof Error ? e.message : String(e)})`);
    failed++;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
