#!/usr/bin/env bash
# Builds the web UI into web/dist (docs/ui.md), which the C++ build then embeds. Installs
# web/node_modules with `npm ci` only when package-lock.json changed since the last install,
# and runs `npm run build` (tsc + vite) only when a source file changed since the last build.
set -euo pipefail
cd "$(dirname "$0")/../web"

lock_stamp=node_modules/.package-lock.sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ ! -f "$lock_stamp" ] || [ "$(cat "$lock_stamp")" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_sum" >"$lock_stamp"
fi

build_stamp=node_modules/.web-build.sha256
src_sum=$(find src index.html package-lock.json package.json tsconfig.json vite.config.ts \
  $( [ -d public ] && echo public ) -type f ! -name '*.test.ts' -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ ! -f dist/index.html ] || [ ! -f "$build_stamp" ] || [ "$(cat "$build_stamp")" != "$src_sum" ]; then
  npm run build
  echo "$src_sum" >"$build_stamp"
else
  echo "web: dist/ is up to date"
fi
