// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped"), summed over
// vitest's JSON reports (the main run, the whole host suite again on the thread driver, the
// stream and TCP/UNIX suites again without batched system calls (RXSOCK_IO_URING=0), and the CAN
// suite from `pnpm test:can`, run in the kernel VM on each driver), so a run is judged by its counts
// and not only by its exit code. A missing or unreadable report counts as one failed test: a
// suite that could not run must never pass silently.
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
    // A file that failed to load (syntax error, missing import) has no tests to count.
    const broken = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    if (broken > 0) console.log(`${file}: ${broken} test file(s) failed before running any test (counted as failed)`);
    failed += broken;
  } catch (e) {
    const what = /can/.test(file) ? ' (the CAN suite, `pnpm test:can`, did not finish; its output above says why)' : '';
    console.log(`${file}: no results${what}: ${e instanceof Error ? e.message : String(e)}; counted as 1 failed`);
    failed++;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
