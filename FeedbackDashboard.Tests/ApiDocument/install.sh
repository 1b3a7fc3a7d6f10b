#!/usr/bin/env bash
# Installs the tools that read the API's own OpenAPI document (@redocly/cli, openapi-typescript, openapi-fetch,
# typescript) at the versions pinned in package-lock.json beside this script, into a gitignored folder (default
# .tools/npm-api at the repository root), the same way as GitHub's descriptions. test.sh runs it; while developing
# run it once:  FeedbackDashboard.Tests/ApiDocument/install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec "$here/../GitHubSchema/install.sh" "${1:-$here/../../.tools/npm-api}" "$here"
