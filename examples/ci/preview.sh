#!/usr/bin/env bash
# Pull-request / merge-request preview for the root project: runs `pulumi preview --json`
# (read-only: run it with GROUP_EXPORT_READ_ONLY=true and read-only credentials), prints the
# per-group summary (group-export-summary) to the log, adds it to the GitHub step summary when
# $GITHUB_STEP_SUMMARY is set, and posts it as the pull/merge request's comment (post-summary.sh,
# edited in place), also when the preview fails: the error is then in the comment.
#
# Exit codes: 0 the preview ran; 2 it failed (the summary says why).
# Usage: examples/ci/preview.sh <stack>
set -uo pipefail # not -e: a failing preview must still be summarized and posted
stack="${1:?usage: preview.sh <stack>}"
here="$(cd "$(dirname "$0")" && pwd)"
summary="${GROUP_EXPORT_SUMMARY:-node node_modules/pulumi-group-export/dist/provider/summary/cli.js}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pulumi preview --json --non-interactive --stack "$stack" >"$work/preview.json" 2>"$work/preview.log"
$summary "$work/preview.json" --stack "$stack" --log "$work/preview.log" --format text
$summary "$work/preview.json" --stack "$stack" --log "$work/preview.log" --format markdown >"$work/summary.md"
status=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"; fi
if [ -n "${PR_NUMBER:-}${CI_MERGE_REQUEST_IID:-}" ]; then
  bash "$here/post-summary.sh" "$work/summary.md" || { echo "preview: could not post the summary" >&2; [ "$status" -ne 0 ] || status=2; }
fi
exit "$status"
