"""The annotation scripts rebuild the committed annotation files byte for byte."""

import shutil

import pytest

from tests.conftest import ROOT, run_script

ANNOTATIONS = ROOT / "corpora" / "annotations"


@pytest.fixture
def copy(tmp_path):
    """A copy of corpora/annotations, so the scripts can rewrite their files."""
    folder = tmp_path / "annotations"
    shutil.copytree(ANNOTATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.mark.parametrize("round_name", ["v2", "v3", "v4", "v5", "v6", "retest1"])
def test_merging_a_round_again_keeps_its_audit_corrections(copy, round_name):
    result = run_script(copy / "merge.py", round_name)
    assert result.returncode == 0, result.stderr
    for kind in ("double", "adjudicated"):
        name = f"steering_{round_name}_{kind}.csv"
        assert (copy / name).read_bytes() == (ANNOTATIONS / name).read_bytes(), name


def test_settling_the_audit_again_changes_nothing(copy):
    result = run_script(copy / "audit.py", "audit1")
    assert result.returncode == 0, result.stderr
    assert "62 sentences corrected" in result.stdout
    for path in [*ANNOTATIONS.glob("steering_v*_adjudicated.csv"), ANNOTATIONS / "audit1" / "corrections.csv"]:
        assert (copy / path.relative_to(ANNOTATIONS)).read_bytes() == path.read_bytes(), path.name


def test_an_audit_without_its_record_of_the_old_labels_is_refused(copy):
    (copy / "audit1" / "disputes.csv").unlink()
    result = run_script(copy / "audit.py", "audit1")
    assert result.returncode != 0
    assert "disputes.csv is missing" in result.stderr
    assert (copy / "audit1" / "corrections.csv").read_bytes() == (
        ANNOTATIONS / "audit1" / "corrections.csv"
    ).read_bytes()


def test_an_existing_audit_is_never_drawn_again(copy):
    result = run_script(copy / "draw_audit.py", "--round", "audit1")
    assert result.returncode != 0 and "an audit is drawn once" in result.stderr
