#!/usr/bin/env bash
# Set up everything leveattest needs on a fresh Debian/Ubuntu machine with Python 3.11+.
# Idempotent: a second run only checks. Installs system packages with apt when run as
# root (otherwise names them and stops), uv when missing, and the Python environment
# from uv.lock (nothing is compiled). `--tests` adds the test-only system packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# fonts-dejavu-core: the PDF letter embeds DejaVu Sans (æ ø å and the Sámi letters)
APT_PACKAGES=(tesseract-ocr libzbar0 fonts-ocr-b fonts-dejavu-core)
# `setup.sh --tests` also installs what only the test suite needs: Debian's Chromium,
# which the browser tests drive through Playwright (no browser download), and npm for
# axe-core (tests/browser/node, `npm ci` below) unless node's npm is already there.
if [[ "${1:-}" == "--tests" ]]; then
  APT_PACKAGES+=(chromium)
  command -v npm >/dev/null || APT_PACKAGES+=(npm)
fi

say() { printf '[setup] %s\n' "$*" >&2; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}"
    say "install them with:  sudo apt-get install ${missing[*]}"
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
  say "need Python 3.11 or 3.12 as '$PY' (set PYTHON=/path/to/python3.11)"
  exit 1
fi

if ! command -v uv >/dev/null; then
  if [[ ! -x .tools/bin/uv ]]; then
    say "installing uv into .tools/"
    "$PY" -m venv .tools >/dev/null 2>&1 || { say "python venv module missing: apt-get install python3-venv"; exit 1; }
    .tools/bin/pip install -q 'uv>=0.5,<1'
  fi
  export PATH="$PWD/.tools/bin:$PATH"
fi

# every extra: the verification engines ([verify]) and the phone simulator ([demo]) that the
# demo and the tests need; a register-only install is the base package (pyproject.toml)
say "syncing the Python environment from uv.lock"
uv sync --frozen --all-extras --python "$PY" -q

NODE_DIR=tests/browser/node
if [[ "${1:-}" == "--tests" ]] && { [[ ! -f $NODE_DIR/node_modules/.package-lock.json ]] ||
    [[ $NODE_DIR/package-lock.json -nt $NODE_DIR/node_modules/.package-lock.json ]]; }; then
  say "installing the browser tests' axe-core from $NODE_DIR/package-lock.json"
  npm ci --prefix "$NODE_DIR" --no-audit --no-fund --silent
fi
