// Prints the closing "N passed, N failed" line of a CI run from jest's JSON results; exits 1 on failures or no tests.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.ci/jest-results.json';
let results;
try {
  results = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`jest wrote no results (${err.message})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const passed = results.numPassedTests ?? 0;
// Suites that failed to run (syntax errors, open handles) count as failures too.
const failed = (results.numFailedTests ?? 0) + (results.numRuntimeErrorTestSuites ?? 0);
const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
