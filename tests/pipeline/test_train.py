import csv
import json
from collections import Counter

import numpy as np
import pytest

from pipeline.annotate import load_annotator
from pipeline.classify import load_model
from pipeline.errors import SedimentError
from pipeline.settings import Settings
from pipeline.train import (
    GUIDELINE_CUES,
    document_interval,
    kappa,
    read_annotations,
    read_guideline_rows,
    scores,
)
from tests.conftest import ROOT, SHARED, run_cli

ANNOTATIONS = ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv"
ANNOTATIONS_V2 = ROOT / "corpora" / "annotations" / "steering_v2_adjudicated.csv"
HEADER = "sentence_id,doc_id,text,trust,control,detail,annotator\n"


def test_read_annotations_reads_the_shared_file():
    data = read_annotations([SHARED / "annotations" / "steering_v1_adjudicated.csv"])
    assert len(data.texts) == 2000
    assert data.labels.sum(axis=0).tolist() == [246, 543, 100]  # counts in its README
    assert len(set(data.doc_ids)) == 136


def test_every_annotation_file_differs_from_its_source_only_by_the_audit_corrections():
    corrections = {}  # sentence id -> (file, labels before the first audit, after the last)
    audits = sorted(
        ANNOTATIONS.parent.glob("audit*/corrections.csv"), key=lambda p: int(p.parent.name[5:])
    )
    for path in audits:
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                old = tuple(int(row[f"old_{label}"]) for label in ("trust", "control", "detail"))
                new = tuple(int(row[f"new_{label}"]) for label in ("trust", "control", "detail"))
                assert old != new, row["sentence_id"]
                first = corrections.get(row["sentence_id"], (row["file"], old, new))[1]
                corrections[row["sentence_id"]] = (row["file"], first, new)
    assert corrections
    shared = read_annotations([SHARED / "annotations" / "steering_v1_adjudicated.csv"])
    ours = read_annotations([ANNOTATIONS])
    assert ours.sentence_ids == shared.sentence_ids and ours.texts == shared.texts
    for index, sentence_id in enumerate(shared.sentence_ids):
        before, after = tuple(shared.labels[index]), tuple(ours.labels[index])
        if sentence_id in corrections:
            assert (before, after) == corrections[sentence_id][1:]
        else:
            assert before == after, sentence_id
    for path in sorted(ANNOTATIONS.parent.glob("steering_v*_adjudicated.csv")):
        data = read_annotations([path])
        for index, sentence_id in enumerate(data.sentence_ids):
            if sentence_id in corrections:
                assert corrections[sentence_id][0] == path.name
                assert tuple(data.labels[index]) == corrections[sentence_id][2]


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
def test_train_on_the_command_line_writes_a_loadable_calibrated_model_with_its_card(tmp_path):
    subset = tmp_path / "subset.csv"
    with ANNOTATIONS_V2.open(encoding="utf-8") as source, subset.open("w", encoding="utf-8") as out:
        rows = list(csv.DictReader(source))
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:600])
    held_out = sorted({row["doc_id"] for row in rows[:600]})[:3]
    (tmp_path / "held_out.txt").write_text("\n".join(held_out), encoding="utf-8")
    result = run_cli(
        "train", str(ANNOTATIONS), str(subset), "--out", str(tmp_path / "m"),
        "--version", "test-2", "--held-out-docs", str(tmp_path / "held_out.txt"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert "| macro |" in (tmp_path / "m" / "card.md").read_text()
    assert "## Held-out documents" in result.stdout
    assert card["training_data"]["sentences"] == 2600
    assert card["held_out"]["documents"] == held_out
    trained_on = read_annotations([ANNOTATIONS, subset])
    assert card["held_out"]["sentences"] == sum(doc in held_out for doc in trained_on.doc_ids)
    assert 0.0 < card["grouped_cv"]["macro"]["f1"] <= 1.0
    intervals = card["held_out"]["f1_interval_95"]
    for label in ("trust", "control"):  # the three held-out documents have no detail sentence
        assert intervals[label][0] <= card["held_out"][label]["f1"] <= intervals[label][1]
    assert intervals["detail"] is None and intervals["macro"] is None
    assert "95 % intervals of F1 (percentile bootstrap over documents" in result.stdout
    for label in ("trust", "control", "detail"):
        brier = card["grouped_cv"]["brier"][label]
        assert brier["calibrated"] <= brier["raw"] + 0.001
    guide = card["training_data"]["guideline_rows"]
    with GUIDELINE_CUES.open(encoding="utf-8") as handle:
        kinds = Counter(row["kind"] for row in csv.DictReader(handle))
    assert guide["kinds"] == dict(kinds) and guide["rows"] == kinds.total()
    assert set(kinds) == {"cue", "look-alike", "example"}
    proxy = card["governance_proxy"]
    assert proxy["files"] == ["governance_v1_adjudicated.csv"] and proxy["sentences"] == 100
    assert "## Constructed governance sentences" in result.stdout
    model = load_model(str(tmp_path / "m"))
    (scores,) = model.predict(
        ["Nämnden följer upp nyckeltal."], [["nämnd", "följa", "upp", "nyckeltal"]]
    )
    assert model.version == "test-2" and scores.decisions["control"]


def test_guideline_cue_rows_with_a_bad_label_are_refused(tmp_path):
    bad = tmp_path / "cues.csv"
    bad.write_text("text,trust,control,detail\ntillit,1,0,ja\n", encoding="utf-8")
    annotator = load_annotator(Settings().annotator_dir)
    with pytest.raises(SedimentError, match=r"E206.*line 2: labels must be 0 or 1"):
        read_guideline_rows(annotator, bad)
    rows = read_guideline_rows(annotator)
    assert rows.labels.shape == (len(rows.inputs), 3) and rows.labels.sum(axis=0).min() > 10
    assert rows.file == GUIDELINE_CUES.name


def test_v2_annotations_were_made_by_two_annotators_who_mostly_agree():
    with (ANNOTATIONS.parent / "steering_v2_double.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    first = [row for row in rows if row["annotator"] == "a1"]
    second = [row for row in rows if row["annotator"] == "a2"]
    assert len(first) == len(second) == len(read_annotations([ANNOTATIONS_V2]).texts) == 1054
    for label in ("trust", "control", "detail"):
        assert kappa([int(r[label]) for r in first], [int(r[label]) for r in second]) > 0.8


def test_train_without_held_out_documents_writes_no_held_out_section(tmp_path):
    subset = tmp_path / "subset.csv"
    lines = ANNOTATIONS.read_text(encoding="utf-8").splitlines(keepends=True)
    subset.write_text("".join(lines[:601]), encoding="utf-8")
    result = run_cli(
        "train", str(subset), "--out", str(tmp_path / "m"), "--version", "t", "--held-out-docs", ""
    )
    assert result.returncode == 0, result.stderr
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert card["held_out"] is None and card["training_data"]["sentences"] == 600
    assert "Held-out" not in (tmp_path / "m" / "card.md").read_text()


def test_annotations_without_examples_of_a_label_are_refused_with_a_clear_error(tmp_path):
    subset = tmp_path / "no_detail.csv"
    with ANNOTATIONS.open(encoding="utf-8") as source, subset.open("w", encoding="utf-8") as out:
        rows = [row for row in csv.DictReader(source) if row["detail"] == "0"]
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run_cli("train", str(subset), "--out", str(tmp_path / "m"), "--held-out-docs", "")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "[E219]" in result.stderr and "'detail' has 0 positive sentences" in result.stderr
    assert not (tmp_path / "m").exists()


def test_document_interval_resamples_documents_around_the_measured_f1():
    data = read_annotations([ANNOTATIONS_V2])
    perfect = document_interval(data.labels, data.labels, data.doc_ids)
    assert all(perfect[name] == [1.0, 1.0] for name in ("trust", "control", "detail", "macro"))
    missed = data.labels.copy()
    first_doc = np.array(data.doc_ids) == data.doc_ids[int(np.argmax(data.labels[:, 0]))]
    missed[first_doc, 0] = 0  # every trust sentence of one document missed
    measured = scores(data.labels, missed)["trust"]["f1"]
    low, high = document_interval(data.labels, missed, data.doc_ids)["trust"]
    assert low < measured < high <= 1.0
    assert document_interval(data.labels, missed, data.doc_ids) == document_interval(
        data.labels, missed, data.doc_ids
    )  # seeded: the card's numbers can be repeated
