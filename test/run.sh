#!/usr/bin/env bash
# Runs every test: builds (once) or finds the test-bed binaries, runs Vitest, prints a summary.
set -uo pipefail
cd "$(dirname "$0")/.."
FLOTILLA_TESTBED_BIN="$(bash test/testbed/binaries.sh)" || exit 1
export FLOTILLA_TESTBED_BIN
mkdir -p test-results
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/results.json "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + (r.numTodoTests || 0)} skipped`);
' || echo "0 passed, 1 failed"
exit $code
