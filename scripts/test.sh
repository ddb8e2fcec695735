#!/usr/bin/env bash
# Set up and run every check a change must pass: lint, types, layer contracts, tests.
# Third-party test data is read from ../shared/data (LEVEATTEST_DATA__SHARED_DATA);
# LEVEATTEST_REQUIRE_SHARED_DATA=1 turns "data absent" skips into failures (CI sets it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --tests
[[ -x .tools/bin/uv ]] && export PATH="$PWD/.tools/bin:$PATH"
run() { printf '\n== %s\n' "$*" >&2; uv run --frozen "$@"; }
run ruff check .
run ruff format --check leveattest register mobile_stub
run mypy
run lint-imports
run pytest "$@"
