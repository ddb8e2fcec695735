"""The register and the company client install without the optional extras (issue 14, item 3).

scripts/check_register_install.sh installs the wheel without extras into a fresh venv; these
tests check the same boundary in the full environment: importing the register and the
company and register commands loads no module of an extra, and a command that needs an
extra which is not installed ends with a stable error code instead of a traceback.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import register
from leveattest.cli import EXTRA_OF_MODULE


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


def test_the_register_and_the_company_client_import_no_module_of_an_extra() -> None:
    modules = [
        info.name
        for info in pkgutil.walk_packages(register.__path__, "register.")
        if ".migrations" not in info.name and not info.name.startswith("register.db.versions")
    ]
    modules += ["leveattest.cli.company_cmd", "leveattest.cli.register_cmd"]
    # fpdf2 (the register's letters) imports numpy when it happens to be installed and
    # works without it; the wheel check proves numpy is not needed
    extra_modules = sorted(set(EXTRA_OF_MODULE) - {"numpy"})
    done = _run(
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {extra_modules!r} if m in sys.modules))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_every_extra_module_names_an_extra_of_the_project(project_root: Path) -> None:
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert set(EXTRA_OF_MODULE.values()) <= set(extras)
    base = pyproject["project"]["dependencies"]
    assert not [dep for dep in base if dep.startswith(("numpy", "opencv", "dlib", "mediapipe"))]


def _without_extras(*args: str) -> subprocess.CompletedProcess[str]:
    """The entry point in a fresh interpreter where no extra's module can be imported."""
    return _run(
        "import sys\n"
        f"for name in {sorted(EXTRA_OF_MODULE)!r}:\n"
        "    sys.modules[name] = None  # import fails as if not installed\n"
        "from leveattest.cli import main\n"
        f"sys.argv = ['leveattest', *{args!r}]\n"
        "main()\n"
    )


def test_a_command_that_needs_the_verification_stack_names_the_missing_extra() -> None:
    done = _without_extras("serve", "--help")
    assert done.returncode == 2
    assert "error [extra_not_installed]" in done.stderr
    assert "leveattest[verify]" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_missing_extra_is_reported_as_json_when_asked(tmp_path: Path) -> None:
    image = tmp_path / "page.jpg"
    image.write_bytes(b"\xff\xd8\xff")
    done = _without_extras("mrz", "read", str(image), "--json")
    assert done.returncode == 2
    error = json.loads(done.stdout)["error"]
    assert error["code"] == "extra_not_installed"
    assert error["extra"] == "verify"


def test_the_register_commands_work_without_the_extras() -> None:
    done = _without_extras("register", "serve", "--help")
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout


def test_an_unrelated_missing_module_is_not_blamed_on_an_extra() -> None:
    done = _run(
        "import sys\n"
        "sys.modules['httpx'] = None\n"
        "from leveattest.cli import main\n"
        "sys.argv = ['leveattest', 'company', 'status', '--url', 'http://127.0.0.1:9',"
        " '--client-id', 'x', '--key', 'k.json', '--national-id', '1']\n"
        "main()\n"
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr
    assert "extra_not_installed" not in done.stderr
