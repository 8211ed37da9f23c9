#!/usr/bin/env bash
# Scheduled drift check for the root project: does the directories' content still match the
# groups file and the state? Runs `pulumi preview --refresh --expect-no-changes` (read-only:
# run it with GROUP_EXPORT_READ_ONLY=true and read-only credentials).
#
# Exit codes: 0 no drift; 1 drift (the drifted resources and members are printed, and added to
#   the GitHub step summary when $GITHUB_STEP_SUMMARY is set); 2 the check itself failed.
# Usage: examples/ci/drift-check.sh <stack>
set -uo pipefail
stack="${1:?usage: drift-check.sh <stack>}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

pulumi preview --refresh --expect-no-changes --diff --show-full-output --non-interactive --color=never --stack "$stack" >"$out" 2>&1
code=$?
if [ "$code" -eq 0 ]; then
  echo "no drift: stack $stack matches its directories"
  exit 0
fi
if ! grep -q "no changes were expected" "$out"; then
  cat "$out"
  echo "drift check FAILED to run for stack $stack (exit $code): see the output above" >&2
  exit 2
fi
{
  echo "DRIFT in stack $stack: the directories no longer match the groups file."
  echo "What drifted (the next \`pulumi up\` would make these changes):"
  # Per resource: "~ GroupBinding groups-sales-entra (refresh)" (refresh: what was found changed
  # remotely; update: what `pulumi up` would do), then its member lines: "- mallory@..." from
  # the member list's line diff (or its whole text, when the list was or becomes empty),
  # "+ bob@...: "remove from ..."" from removals, owners, managers.
  awk '
    match($0, /^[ \t]*[-+~] pulumi-nodejs:dynamic\/groupexport:[A-Za-z]+: \([a-z-]+\)/) {
      line = $0; sub(/^[ \t]*/, "", line); split(line, f, " ")
      kind = f[2]; sub(/:$/, "", kind); sub(/.*:/, "", kind)
      head = f[1] " " kind; op = f[3]; pending = 1; next
    }
    pending && /\[urn=/ { name = $0; sub(/.*::/, "", name); sub(/\].*/, "", name); print "  " head " " name " " op; pending = 0; next }
    /^[ \t]*[-+~] +"?[^ ]+@[^ ]+"? *:/ { line = $0; sub(/^[ \t]*/, "", line); print "      " line }
    /^[ \t]*[-+] +([^ ":]+@[^ ":]+|group:[^"]+)[ \t]*$/ { line = $0; sub(/^[ \t]*/, "", line); sub(/[ \t]*$/, "", line); print "      " line }
    /^[ \t]*[-+] +members *: "/ {
      # A list that was or becomes empty shows whole, as one string: one line per member here.
      sign = $0; sub(/^[ \t]*/, "", sign); sign = substr(sign, 1, 1)
      text = $0; sub(/^[^"]*"/, "", text); sub(/"[^"]*$/, "", text)
      n = split(text, keys, /\\n/)
      for (i = 1; i <= n; i++) if (keys[i] != "") print "      " sign " " keys[i]
    }
  ' "$out"
  sed -n '/^Resources:/,$p' "$out" | grep -v '^error:'
} >"$out.summary"
cat "$out.summary"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  { echo '```'; cat "$out.summary"; echo '```'; } >>"$GITHUB_STEP_SUMMARY"
fi
rm -f "$out.summary"
exit 1
