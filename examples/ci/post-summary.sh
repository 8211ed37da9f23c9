#!/usr/bin/env bash
# Posts a group-export summary (group-export-summary --format markdown) as the comment of the
# pull request (GitHub) or merge request (GitLab) this job runs for, editing the stack's
# earlier comment in place: the summary's first line is its marker
# (<!-- group-export-summary stack=<stack> -->), and the comment that starts with it is replaced.
#
# GitHub: GITHUB_TOKEN (pull-requests: write), PR_NUMBER; GITHUB_API_URL and GITHUB_REPOSITORY
#   come from the runner. GitLab: GROUP_EXPORT_NOTE_TOKEN (a project access token, api scope);
#   CI_API_V4_URL, CI_PROJECT_ID and CI_MERGE_REQUEST_IID come from the runner.
# Usage: examples/ci/post-summary.sh <summary.md>
set -euo pipefail
file="${1:?usage: post-summary.sh <summary.md>}"
marker="$(head -n 1 "$file")"
case "$marker" in
  "<!-- group-export-summary "*) ;;
  *) echo "post-summary: $file does not start with a group-export-summary marker" >&2; exit 2 ;;
esac

if [ -n "${GITHUB_ACTIONS:-}" ]; then
  : "${GITHUB_TOKEN:?set GITHUB_TOKEN}" "${PR_NUMBER:?set PR_NUMBER to the pull request number}" "${GITHUB_REPOSITORY:?}"
  api="${GITHUB_API_URL:-https://api.github.com}/repos/$GITHUB_REPOSITORY"
  auth=(-H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json")
  comments="$api/issues/$PR_NUMBER/comments"
  one="$api/issues/comments"
  edit=PATCH
  limit=65000 # GitHub refuses comments over 65,536 characters
elif [ -n "${GITLAB_CI:-}" ]; then
  : "${GROUP_EXPORT_NOTE_TOKEN:?set GROUP_EXPORT_NOTE_TOKEN (a project access token with the api scope)}" "${CI_MERGE_REQUEST_IID:?not a merge request pipeline}"
  api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID"
  auth=(-H "PRIVATE-TOKEN: $GROUP_EXPORT_NOTE_TOKEN")
  comments="$api/notes"
  one="$api/notes"
  edit=PUT
  limit=900000
else
  echo "post-summary: neither GitHub Actions nor GitLab CI: nothing posted" >&2
  exit 0
fi

# The request body, {"body": <the summary>}, cut (with a word why) where the service's limit is.
body="$(mktemp)"
trap 'rm -f "$body"' EXIT
LIMIT="$limit" node -e '
  let text = require("fs").readFileSync(process.argv[1], "utf8");
  const limit = Number(process.env.LIMIT);
  if (text.length > limit) text = text.slice(0, limit) + "\n\n… (cut: the full summary is in the job log)\n";
  process.stdout.write(JSON.stringify({ body: text }));
' "$file" >"$body"

# The earlier comment of this stack: the first whose body starts with the marker (100 a page).
id=""
page=1
while :; do
  list="$(curl -fsS "${auth[@]}" "$comments?per_page=100&page=$page")"
  found="$(MARKER="$marker" node -e '
    const list = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const mine = list.find((c) => typeof c.body === "string" && c.body.startsWith(process.env.MARKER));
    process.stdout.write(mine ? String(mine.id) : list.length < 100 ? "none" : "");
  ' <<<"$list")"
  if [ -n "$found" ]; then
    [ "$found" != none ] && id="$found"
    break
  fi
  page=$((page + 1))
done

if [ -n "$id" ]; then
  curl -fsS -X "$edit" "${auth[@]}" -H "Content-Type: application/json" --data-binary "@$body" "$one/$id" >/dev/null
  echo "post-summary: edited comment $id"
else
  curl -fsS -X POST "${auth[@]}" -H "Content-Type: application/json" --data-binary "@$body" "$comments" >/dev/null
  echo "post-summary: posted a new comment"
fi
