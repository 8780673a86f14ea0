"""How reliable are the held-out labels the classifier is measured against?

Usage: python benchmarks/label_reliability.py

The 928 annotated sentences of the 12 held-out documents (``v2/heldout_docs.txt``)
carry two independent gold standards: the original one (rounds v1, v2 and v4)
and a blind re-annotation (``steering_retest1_adjudicated.csv``: two new
annotators, disagreements adjudicated, neither saw the original labels). The
script prints how well the two agree (F1 of one against the other and
Cohen's kappa per label), and how a model trained as ``sediment train`` does
without the held-out documents scores against each, with 95 % intervals from
resampling the documents. The agreement of the two annotations is a human
reference for the model's scores, not a ceiling: a model closer to the
truth than either annotation could score above it.
"""

from __future__ import annotations

import numpy as np

from pipeline.annotate import load_annotator
from pipeline.records import LABELS
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.train import (
    document_interval,
    kappa,
    predict_unseen,
    read_annotations,
    read_guideline_rows,
    scores,
)

ANNOTATIONS = PROJECT_ROOT / "corpora" / "annotations"


def _row(name: str, gold: np.ndarray, predicted: np.ndarray, doc_ids: list[str]) -> str:
    report = scores(gold, predicted)
    interval = document_interval(gold, predicted, doc_ids)["macro"]
    cells = " | ".join(f"{report[label]['f1']:.3f}" for label in [*LABELS, "macro"])
    bounds = f"{interval[0]:.3f}–{interval[1]:.3f}" if interval else "–"
    return f"| {name} | {cells} | {bounds} |"


def main() -> None:
    """Print the agreement table."""
    held_out = set((ANNOTATIONS / "v2" / "heldout_docs.txt").read_text().split())
    data = read_annotations(sorted(ANNOTATIONS.glob("steering_v*_adjudicated.csv")))
    retest = read_annotations([ANNOTATIONS / "steering_retest1_adjudicated.csv"])
    unseen = np.isin(data.doc_ids, list(held_out))
    ids = [sentence for sentence, u in zip(data.sentence_ids, unseen, strict=True) if u]
    assert ids == retest.sentence_ids, "the re-annotation must cover the held-out sentences"
    original, again = data.labels[unseen], retest.labels
    annotator = load_annotator(Settings.annotator_dir)
    predicted = predict_unseen(
        data, annotator.lemmatize_texts(data.texts), unseen, read_guideline_rows(annotator)
    ).astype(int)
    doc_ids = retest.doc_ids
    print(f"{len(ids)} sentences from {len(held_out)} held-out documents")
    print(
        "positives (original / re-annotation / model): "
        + ", ".join(
            f"{label} {original[:, i].sum()} / {again[:, i].sum()} / {predicted[:, i].sum()}"
            for i, label in enumerate(LABELS)
        )
    )
    print(
        "kappa, original vs re-annotation: "
        + ", ".join(
            f"{label} {kappa(original[:, i].tolist(), again[:, i].tolist()):.3f}"
            for i, label in enumerate(LABELS)
        )
    )
    print("| F1 | trust | control | detail | macro | macro 95 % interval |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(_row("re-annotation vs original", original, again, doc_ids))
    print(_row("model vs original", original, predicted, doc_ids))
    print(_row("model vs re-annotation", again, predicted, doc_ids))


if __name__ == "__main__":
    main()
