"""``samples generate --out DIR`` replaces only what it wrote (issue 14, small fixes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leveattest.cli.app import app
from leveattest.core.errors import SampleGenerationError
from leveattest.samples.generate import generate_samples

runner = CliRunner()


def test_generate_refuses_a_non_empty_directory_it_did_not_write(tmp_path: Path) -> None:
    keep = tmp_path / "thesis.tex"
    keep.write_text("years of work")
    result = runner.invoke(app, ["samples", "generate", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "sample_generation_failed"
    assert keep.read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


@pytest.mark.parametrize(
    "manifest",
    ['{"generator": "someone-else/1"}', "not json", "[1, 2]", '{"files": []}'],
    ids=["other-generator", "not-json", "not-an-object", "no-generator"],
)
def test_a_manifest_not_written_by_the_generator_does_not_make_a_directory_replaceable(
    tmp_path: Path, manifest: str
) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    with pytest.raises(SampleGenerationError, match="not empty"):
        generate_samples(tmp_path)
    assert (tmp_path / "manifest.json").read_text() == manifest


def test_generate_refuses_a_file_as_output_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SampleGenerationError, match="file, not a directory"):
        generate_samples(target)
    assert target.read_text() == "x"
