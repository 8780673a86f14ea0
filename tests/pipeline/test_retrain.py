import json
import shutil

import pytest

from pipeline import retrain
from pipeline.annotate import load_annotator
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from tests.conftest import ROOT

V1 = ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv"
SHIPPED = (ROOT / "models" / "steering" / "current").resolve()


def test_promote_swaps_the_current_link_and_the_next_load_sees_the_new_model(tmp_path, v1_model):
    root = tmp_path / "steering"
    root.mkdir()
    shutil.copytree(SHIPPED, root / "shipped")
    shutil.copytree(v1_model, root / "v1only")
    assert retrain.current_model(root) is None

    retrain.promote(root / "shipped", root)
    assert load_model(root / "current").version == load_model(SHIPPED).version
    retrain.promote(root / "v1only", root)

    assert retrain.current_model(root) == (root / "v1only").resolve()
    assert (root / "current").readlink().as_posix() == "v1only"
    assert load_model(root / "current").version == "steering-v1only"
    assert sorted(path.name for path in root.iterdir()) == ["current", "shipped", "v1only"]


@pytest.mark.slow
def test_the_same_recipe_on_the_same_data_scores_the_same_on_the_same_folds(v1_model):
    comparison = retrain.compare(v1_model, [V1], v1_model, load_annotator(Settings.annotator_dir))
    assert comparison.current == comparison.candidate
    assert comparison.promote
    assert "| macro |" in comparison.markdown()


def test_compare_refuses_a_current_model_whose_training_files_changed(tmp_path, v1_model):
    current = tmp_path / "current"
    shutil.copytree(SHIPPED, current)
    card = json.loads((current / "card.json").read_text())
    card["training_data"]["sha256"] = "0" * 64
    (current / "card.json").write_text(json.dumps(card))
    with pytest.raises(SedimentError, match=r"E217.*changed since it was trained"):
        retrain.compare(v1_model, [V1], current, load_annotator(Settings.annotator_dir))


def test_compare_refuses_a_candidate_trained_on_other_annotations(v1_model):
    other = ROOT / "corpora" / "annotations" / "steering_v2_adjudicated.csv"
    with pytest.raises(SedimentError, match=r"E217.*other annotations"):
        retrain.compare(v1_model, [other], None, load_annotator(Settings.annotator_dir))


def test_compare_refuses_guideline_rows_that_changed_since_the_candidate_was_trained(
    tmp_path, v1_model
):
    candidate = tmp_path / "candidate"
    shutil.copytree(v1_model, candidate)
    card = json.loads((candidate / "card.json").read_text())
    card["training_data"]["guideline_rows"]["sha256"] = "0" * 64
    (candidate / "card.json").write_text(json.dumps(card))
    with pytest.raises(SedimentError, match=r"E217.*guideline_cues.csv changed since"):
        retrain.compare(candidate, [V1], v1_model, load_annotator(Settings.annotator_dir))
