#!/usr/bin/env bash
# The whole test suite: its three vitest projects (vitest.config.ts) one after the other, each in a throwaway OS
# keychain of its own (scripts/with-keyring.sh). A GNOME Keyring grows by the thousands of entries the suite's
# tests leave in it and gets slower with each; the last two projects start dozens of real processes that all use
# the keychain at once, and must find it as a person's laptop has it, not as ninety test files left it.
# Ends with how long each project took and one line for the whole run: `tests: N passed, N failed, N skipped`.
# Extra arguments go to vitest.
set -uo pipefail
cd "$(dirname "$0")/.."
counts="$(mktemp -d)"
# A run narrowed to some files may leave a project with none of them.
narrowed=()
if [ "$#" -gt 0 ]; then narrowed=(--passWithNoTests); fi
status=0
took=""
for project in suite killed load; do
  echo "== vitest project ${project}"
  started=${SECONDS}
  TEST_SUMMARY_FILE="${counts}/${project}.json" bash scripts/with-keyring.sh \
    node_modules/.bin/vitest run --project "${project}" "${narrowed[@]}" "$@" || status=1
  took="${took}${took:+, }${project} $((SECONDS - started)) s"
done
echo "== took: ${took}"
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const dir = process.argv[1];
  const total = { passed: 0, failed: 0, skipped: 0 };
  const files = fs.readdirSync(dir);
  for (const file of files) {
    const counts = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    for (const key of Object.keys(total)) total[key] += counts[key];
  }
  if (files.length !== 3) { console.log(`only ${files.length} of the 3 projects reported`); process.exitCode = 1; }
  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
' "${counts}" || status=1
rm -rf "${counts}"
exit "${status}"
