#!/usr/bin/env bash
# Installs GitHub's published API descriptions (@octokit/graphql-schema, @octokit/openapi) and the checkers
# (graphql, ajv, ajv-formats), at the versions pinned in package-lock.json beside this script, into a gitignored
# folder (default .tools/npm at the repository root). Does nothing when that exact lock is already installed.
# test.sh runs it; while developing run it once:  FeedbackDashboard.Tests/GitHubSchema/install.sh
# A second argument names another folder whose package lock to install the same way (ApiDocument/install.sh does).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-$here/../../.tools/npm}"
here="${2:-$here}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# The marker is the lock that was installed, written only after npm succeeded: an interrupted or older install redoes.
if cmp -s "$here/package-lock.json" "$dest/installed-lock.json"; then exit 0; fi
echo "installing the npm packages pinned in $here into $dest…"
rm -f "$dest/installed-lock.json"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
(cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cp "$here/package-lock.json" "$dest/installed-lock.json"
