// Turns vitest's JSON report into the one plain line CI reads: "N passed, N failed[, N skipped]".
// A test file that failed to load (no tests ran) counts as one failure, and so does a non-zero
// exit status of vitest (argv[3]) when no test failed: errors outside the tests (unhandled
// rejections, say), which the JSON report leaves out.
import { readFileSync } from "node:fs";

const path = process.argv[2] ?? "reports/vitest.json";
let report;
try {
  report = JSON.parse(readFileSync(path, "utf8"));
} catch (error) {
  console.log(`could not read ${path}: ${error.message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of report.testResults ?? []) {
  const tests = file.assertionResults ?? [];
  if (file.status === "failed" && !tests.some((t) => t.status === "failed")) {
    failed += 1;
    console.log(`FAILED FILE ${file.name}: ${(file.message ?? "").split("\n")[0]}`);
  }
  for (const test of tests) {
    if (test.status === "passed") passed += 1;
    else if (test.status === "failed") failed += 1;
    else skipped += 1;
  }
}
const vitestStatus = process.argv[3] === undefined ? 0 : Number(process.argv[3]);
if (vitestStatus !== 0 && failed === 0) {
  failed += 1;
  console.log(
    `FAILED RUN: vitest exited ${vitestStatus} with no failed test (errors outside the tests; see its output)`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
