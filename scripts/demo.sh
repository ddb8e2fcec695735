#!/usr/bin/env bash
# Set up and run the main job: `leveattest demo` on the embedded default (SQLite, local files).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
[[ -x .tools/bin/uv ]] && export PATH="$PWD/.tools/bin:$PATH"
exec uv run --frozen --all-extras leveattest demo "$@"
