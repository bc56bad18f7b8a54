#!/usr/bin/env bash
# Records one new flow on the lab's real Odoo 19 (../shared/lab: built by its setup.sh, running on 127.0.0.1:8069),
# for the sandbox to learn: both transports, each from a freshly restored database, marked so (`restored_before`,
# which makes tests/contract replay it on a fresh sandbox). Never run by the tests or CI.
#
#   scripts/record-lab.sh tests/fixtures/lab-scenarios/NN-<id>.mjs [OUTDIR]
#
# The scenario file holds one `scenario("<id>", "description", async (r) => {...})` call written against the lab's
# recorder (../shared/lab/record/record.mjs: r.call, D, findSaleTax15, newCustomer, postedInvoice...); it is
# inserted into a copy of the recorder, which this project cannot change. Output: OUTDIR (default
# /tmp/odoo-recordings) /NN-<id>-json2.json and -jsonrpc.json, to copy into tests/fixtures/odoo-recordings/19/ and
# list in its manifest.json and README.md. Several people may share one lab: everything that restores or records
# holds /tmp/lab.lock (hold it yourself for a manual trial: `flock /tmp/lab.lock <command>`).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${ODOO_LAB:-$HOME/odoo-lab}
SHARED=${ODOO_MCP_SHARED:-$HERE/../shared}
FILE=$(realpath "$1")
OUT=$(realpath -m "${2:-/tmp/odoo-recordings}")
NUM=$(basename "$FILE" | grep -oE '^[0-9]+') || { echo "record-lab: $FILE is not named NN-<id>.mjs" >&2; exit 2; }
ID=$(grep -zoP 'scenario\(\s*"\K[^"]+' "$FILE" | tr '\0' '\n' | head -1)
[ -n "$ID" ] || { echo "record-lab: no scenario(\"<id>\", ...) in $FILE" >&2; exit 2; }
SRC=$SHARED/lab/record/record.mjs
[ -f "$SRC" ] || { echo "record-lab: no recorder at $SRC (set ODOO_MCP_SHARED)" >&2; exit 2; }
[ -f "$LAB/apikey19.txt" ] || { echo "record-lab: no lab at $LAB (set ODOO_LAB)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/record-lab-XXXX)
MAIN=$(grep -n '^// Main' "$SRC" | cut -d: -f1)
{ head -n $((MAIN - 2)) "$SRC"; cat "$FILE"; echo; tail -n +$((MAIN - 1)) "$SRC"; } > "$WORK/record.mjs"
mkdir -p "$OUT"

exec 9>/tmp/lab.lock
flock 9
# reset.sh starts Odoo, which must not inherit fd 9: it would hold the lock for as long as it runs.
for T in json2 jsonrpc; do
  bash "$LAB/reset.sh" 19 >&2 9>&-
  node "$WORK/record.mjs" --url http://127.0.0.1:8069 --db odoo_test --key-file "$LAB/apikey19.txt" --password admin \
    --transport "$T" --out "$WORK/out" --only "$ID" --path-alias "$LAB/odoo19/=/opt/odoo/" --mail-dir "$LAB/mail" \
    || echo "record-lab: the $T recording ended with status $? (see its 'aborted')" >&2
  for f in "$WORK"/out/*-"$ID"-"$T".json; do
    node -e '
      const fs = require("node:fs");
      const [from, to] = process.argv.slice(1);
      const marked = {};
      for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(from, "utf8")))) {
        marked[k] = v;
        if (k === "recorded_at") marked.restored_before = true;
      }
      fs.writeFileSync(to, `${JSON.stringify(marked, null, 2)}\n`);
    ' "$f" "$OUT/$NUM-$ID-$T.json"
    echo "wrote $OUT/$NUM-$ID-$T.json"
  done
done
bash "$LAB/reset.sh" 19 >&2 9>&-
