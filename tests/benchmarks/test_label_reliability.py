"""The label-reliability benchmark: two independent annotations of the held-out sentences."""

import re

import numpy as np
import pytest
from sklearn.metrics import f1_score

from pipeline.cli import DEFAULT_ANNOTATIONS
from pipeline.train import read_annotations
from tests.conftest import ROOT, run_script

ANNOTATIONS = ROOT / "corpora" / "annotations"


def test_the_re_annotation_covers_the_held_out_sentences_and_is_never_trained_on():
    held_out = set((ANNOTATIONS / "v2" / "heldout_docs.txt").read_text().split())
    original = read_annotations(DEFAULT_ANNOTATIONS)
    retest = read_annotations([ANNOTATIONS / "steering_retest1_adjudicated.csv"])
    unseen = np.isin(original.doc_ids, list(held_out))
    assert retest.sentence_ids == [
        s for s, u in zip(original.sentence_ids, unseen, strict=True) if u
    ]
    assert retest.texts == [t for t, u in zip(original.texts, unseen, strict=True) if u]
    assert ANNOTATIONS / "steering_retest1_adjudicated.csv" not in DEFAULT_ANNOTATIONS


@pytest.mark.slow
def test_the_benchmark_prints_the_agreement_of_the_two_annotations():
    result = run_script(ROOT / "benchmarks" / "label_reliability.py")
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "re-annotation vs original" in line)
    printed = [float(cell) for cell in re.findall(r"\| (\d\.\d{3}) ", row)]
    held_out = set((ANNOTATIONS / "v2" / "heldout_docs.txt").read_text().split())
    original = read_annotations(DEFAULT_ANNOTATIONS)
    gold = original.labels[np.isin(original.doc_ids, list(held_out))]
    again = read_annotations([ANNOTATIONS / "steering_retest1_adjudicated.csv"]).labels
    expected = [f1_score(gold[:, i], again[:, i]) for i in range(3)]
    assert printed == pytest.approx([*expected, np.mean(expected)], abs=5e-4)
    assert "model vs original" in result.stdout and "model vs re-annotation" in result.stdout
