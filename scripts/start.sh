#!/usr/bin/env bash
# README command 1: install what is needed, build, and start Lanterne on
# http://localhost:3000 with the embedded store (data in ./lanterne-data).
#
# Without LANGFUSE_INIT_* in the environment, a local project is provisioned with the key
# pair pk-lf-local / sk-lf-local and its web UI owner admin@lanterne.local /
# lanterne-local, and the server listens on 127.0.0.1 only, so these
# well-known keys never face a network. Set your own LANGFUSE_INIT_* values (and
# LANTERNE_HOST=0.0.0.0) to serve other machines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh lanterne

if [ -z "${LANGFUSE_INIT_ORG_ID:-}" ]; then
  export LANGFUSE_INIT_ORG_ID=local LANGFUSE_INIT_ORG_NAME="Local"
  export LANGFUSE_INIT_PROJECT_ID=local LANGFUSE_INIT_PROJECT_NAME="Local project"
  export LANGFUSE_INIT_PROJECT_PUBLIC_KEY=pk-lf-local LANGFUSE_INIT_PROJECT_SECRET_KEY=sk-lf-local
  # The web UI's owner of that project, so the traces sent with the keys above are the
  # ones the browser shows (a sign-up would get an organization of its own).
  export LANGFUSE_INIT_USER_EMAIL=admin@lanterne.local LANGFUSE_INIT_USER_NAME="Admin"
  export LANGFUSE_INIT_USER_PASSWORD=lanterne-local
  export LANTERNE_HOST="${LANTERNE_HOST:-127.0.0.1}"
  cat <<'MSG'
Local project provisioned. Point a Langfuse SDK at Lanterne with:
  LANGFUSE_BASEURL=http://localhost:3000   (Python: LANGFUSE_HOST)
  LANGFUSE_PUBLIC_KEY=pk-lf-local
  LANGFUSE_SECRET_KEY=sk-lf-local
Web UI: http://localhost:3000, log in as admin@lanterne.local / lanterne-local
MSG
fi
exec build/release/lanterne serve "$@"
