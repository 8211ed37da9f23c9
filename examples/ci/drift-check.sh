#!/usr/bin/env bash
# Scheduled drift check for the root project: do the directories still match the program (the
# groups file and the state)? Runs `pulumi preview --refresh --json` (read-only: run it with
# GROUP_EXPORT_READ_ONLY=true and read-only credentials) and reports, one group each, what
# `pulumi up --refresh` would change to make them match again: members added or removed by hand,
# owner and manager roles, settings, aliases, names, groups deleted in an admin console. (A plain
# `pulumi up` would not revert drift: it compares the program with the state, not the directories.)
#
# Exit codes: 0 no drift; 1 drift (the report is printed, and added to the GitHub step summary
#   when $GITHUB_STEP_SUMMARY is set); 2 the check could not run (the report says why).
# Usage: examples/ci/drift-check.sh <stack>
set -uo pipefail
stack="${1:?usage: drift-check.sh <stack>}"
summary="${GROUP_EXPORT_SUMMARY:-node node_modules/pulumi-group-export/dist/provider/summary/cli.js}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pulumi preview --refresh --json --non-interactive --stack "$stack" >"$work/drift.json" 2>"$work/drift.log"
$summary "$work/drift.json" --drift --stack "$stack" --log "$work/drift.log" --format text
status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  $summary "$work/drift.json" --drift --stack "$stack" --log "$work/drift.log" --format markdown >>"$GITHUB_STEP_SUMMARY"
fi
case "$status" in
  0) echo "no drift: stack $stack matches its directories" ;;
  1) echo "DRIFT in stack $stack: run \`pulumi up --refresh\` to make the directories match the program again" ;;
  *) echo "drift check FAILED to run for stack $stack (see above)" >&2; status=2 ;;
esac
exit "$status"
