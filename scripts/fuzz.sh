#!/usr/bin/env bash
# Fuzz the parsers of untrusted bytes and every other property test with fresh random draws:
# the test command runs them derandomized (the same examples on every machine), so new
# inputs are found only here. Run it on a schedule (nightly) or before a release. A failure
# prints the falsifying example and its `@reproduce_failure` blob, and the example database
# in .hypothesis/ replays it first on the next run until it is fixed.
#
#   bash scripts/fuzz.sh [pytest arguments]
#
# Rounds of every property test (Hypothesis marks each @given test "hypothesis"), each round
# with new random draws, until FUZZ_MINUTES (default 30) have passed or a round fails.
# FUZZ_EXAMPLES (default 2000) is the budget of a property that does not set its own.
# Exit status: 0 when nothing was found, else the failing round's pytest status.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --tests
[[ -x .tools/bin/uv ]] && export PATH="$PWD/.tools/bin:$PATH"
export HYPOTHESIS_PROFILE=fuzz
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-2000}"
minutes="${FUZZ_MINUTES:-30}"
deadline=$((SECONDS + minutes * 60))
round=0
while ((round == 0 || SECONDS < deadline)); do
  round=$((round + 1))
  printf '\n== fuzz round %d (%d s so far)\n' "$round" "$SECONDS" >&2
  status=0
  uv run --frozen --all-extras pytest -m hypothesis -q "$@" || status=$?
  if ((status != 0)); then
    printf '\n== fuzz: round %d found something (pytest exit %d)\n' "$round" "$status" >&2
    exit "$status"
  fi
done
printf '\n== fuzz: %d rounds in %d s, nothing found\n' "$round" "$SECONDS" >&2
