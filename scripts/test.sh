#!/usr/bin/env bash
# Set up and run every check a change must pass: lint, types, layer contracts, tests.
# Third-party test data is read from ../shared/data (LEVEATTEST_DATA__SHARED_DATA);
# LEVEATTEST_REQUIRE_SHARED_DATA=1 turns "data absent" skips into failures (CI sets it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --tests
[[ -x .tools/bin/uv ]] && export PATH="$PWD/.tools/bin:$PATH"
run() { printf '\n== %s\n' "$*" >&2; uv run --frozen --all-extras "$@"; }
run ruff check .
run ruff format --check leveattest register mobile_stub
run mypy
run lint-imports
# the register and the company client install on their own: the wheel without extras in a
# fresh venv, without the biometric stack (scripts/check_register_install.sh)
printf '\n== register-only install\n' >&2
bash scripts/check_register_install.sh
# Coverage (line + branch, [tool.coverage] in pyproject.toml; code in the subprocesses the
# tests start counts too) is reported at the end of every run. The floors apply to the full
# run (no arguments, as CI runs it): the global one sits a little under the total measured
# on 2026-12-02 (92.9 %; 94.8 % in the full run of 2026-12-02 06:15); the house style asks
# 100 % of the engines below, and they are there (what no real input reaches is the
# justified exclusion list in [tool.coverage.report] of pyproject.toml; emrtd's last gaps
# are proved on stand-ins in tests/unit/emrtd/test_emrtd_guards.py).
GLOBAL_FLOOR=92
FLOORS=(
  "leveattest/pipeline/policy.py 100"
  "leveattest/emrtd/* 100"
  "leveattest/mrz/* 100"
)
# property tests with fixed examples and no deadline here (tests/conftest.py, profile "ci")
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-ci}"
rm -f .coverage .coverage.*
if (($# == 0)); then
  run pytest --cov --cov-report=term-missing:skip-covered --cov-fail-under="$GLOBAL_FLOOR"
  for floor in "${FLOORS[@]}"; do
    printf '\n== coverage of %s (floor %s %%)\n' "${floor% *}" "${floor#* }" >&2
    uv run --frozen --all-extras coverage report --include="${floor% *}" --fail-under="${floor#* }"
  done
else
  run pytest --cov --cov-report=term-missing:skip-covered "$@"
fi
