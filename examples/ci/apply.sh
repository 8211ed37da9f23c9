#!/usr/bin/env bash
# Merge (main branch) apply for the root project: `pulumi up --refresh --continue-on-error`, then
# the per-group summary of what it did, in the log and (when $GITHUB_STEP_SUMMARY is set) the
# GitHub step summary. With write credentials: this is the job that changes the directories.
#
# --refresh: drift is reverted in the same run, and a group deleted by hand is made again (without
#   it, a binding whose group was deleted by hand fails the update, and the engine stops the
#   other groups' changes too). --continue-on-error (Pulumi CLI 3.114 or newer): one group that
#   fails does not hold the others back; the run still exits non-zero and the summary names it.
#
# Exit codes: 0 applied; non-zero: the update failed for at least one group (see the summary).
# Usage: examples/ci/apply.sh <stack>
set -uo pipefail
stack="${1:?usage: apply.sh <stack>}"
summary="${GROUP_EXPORT_SUMMARY:-node node_modules/pulumi-group-export/dist/provider/summary/cli.js}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pulumi up --yes --refresh --continue-on-error --json --non-interactive --stack "$stack" >"$work/up.json" 2>"$work/up.log"
code=$?
$summary "$work/up.json" --stack "$stack" --log "$work/up.log" --format text
status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  $summary "$work/up.json" --stack "$stack" --log "$work/up.log" --format markdown >>"$GITHUB_STEP_SUMMARY"
fi
if [ "$code" -ne 0 ]; then exit "$code"; fi
exit "$status"
