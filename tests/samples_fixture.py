"""Session fixture: the synthetic sample set, generated once into a temporary directory.

Import it in ``tests/conftest.py``::

    from samples_fixture import generated_samples  # noqa: F401  (re-exported fixture)

Generation takes about 20 s on two cores; the result is cached per pytest session, so
every test that asks for ``generated_samples`` shares one tree (see samples/README.md
for the layout).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples

_CACHE: dict[Path, Path] = {}


def generate_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated tree for this session (generated on first use)."""
    base = tmp_path_factory.getbasetemp()
    if base not in _CACHE:
        out = tmp_path_factory.mktemp("samples") / "generated"
        generate_samples(out, seed=DEFAULT_SEED, reference=DEFAULT_REFERENCE)
        _CACHE[base] = out
    return _CACHE[base]


@pytest.fixture(scope="session")
def generated_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Root of a generated sample tree (pki/, persons/, negatives/, manifest.json)."""
    return generate_once(tmp_path_factory)
