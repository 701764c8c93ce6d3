#!/usr/bin/env bash
# The whole test suite, server mode included: starts a throw-away PostgreSQL
# server (scripts/pg-test-server.sh), runs `cargo test` with the PostgreSQL
# tests required to run, and stops the server whatever happened.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --test story    # any `cargo test` arguments
set -euo pipefail
cd "$(dirname "$0")/.."

eval "$(scripts/pg-test-server.sh start)"
trap 'scripts/pg-test-server.sh stop "$EPIC_TEST_PG_DIR"' EXIT
export EPIC_TEST_PG_REQUIRED=1
cargo test --locked "$@"
