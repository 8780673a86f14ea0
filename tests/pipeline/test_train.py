import csv
import json

import pytest

from pipeline.annotate import load_annotator
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from pipeline.train import read_annotations, train
from tests.conftest import ROOT

ANNOTATIONS = ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv"
HEADER = "sentence_id,doc_id,text,trust,control,detail,annotator\n"


def test_read_annotations_reads_the_shared_file():
    data = read_annotations([ANNOTATIONS])
    assert len(data.texts) == 2000
    assert data.labels.sum(axis=0).tolist() == [246, 543, 100]  # counts in its README
    assert len(set(data.doc_ids)) == 136


def test_double_annotations_that_disagree_are_refused():
    with pytest.raises(SedimentError, match="appears with other labels"):
        read_annotations([ROOT / "corpora" / "annotations" / "steering_v1_double.csv"])


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("sentence_id,doc_id,trust,control,detail\na,d,0,0,0\n", "missing column"),
        (HEADER + "a,d,Tillit.,2,0,0,x\n", "labels must be 0 or 1"),
        (HEADER + "a,d,Tillit.,1,0,0,x\na,d,Tillit.,0,0,0,y\n", "appears with other labels"),
    ],
)
def test_bad_annotation_files_are_refused(tmp_path, content, problem):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SedimentError, match=problem):
        read_annotations([path])


@pytest.mark.slow
def test_train_writes_a_loadable_model_with_its_card(tmp_path):
    subset = tmp_path / "subset.csv"
    with ANNOTATIONS.open(encoding="utf-8") as source, subset.open("w", encoding="utf-8") as out:
        rows = list(csv.DictReader(source))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:800])
    card = train([subset], load_annotator(Settings().annotator_dir), tmp_path / "m", "test-2")
    assert json.loads((tmp_path / "m" / "card.json").read_text()) == card
    assert "| macro |" in (tmp_path / "m" / "card.md").read_text()
    assert card["training_data"]["sentences"] == 800
    assert 0.0 < card["grouped_cv"]["macro"]["f1"] <= 1.0
    model = load_model(str(tmp_path / "m"))
    (scores,) = model.predict(["Nämnden följer upp nyckeltal."], [["nämnd", "följa", "upp"]])
    assert model.version == "test-2" and set(scores.probabilities) == {"trust", "control", "detail"}
