"""Draw an audit round: annotated training sentences whose label the recipe confidently disputes.

Usage: python corpora/annotations/draw_audit.py --round audit1 [--seed 2033]

Every adjudicated sentence outside the held-out documents
(``v2/heldout_docs.txt``) is scored by a model that never saw its document
(the grouped cross-validation of ``sediment train``, calibrated). A label is
disputed when the sentence has it and its probability is below
``LOW`` (0.15), or lacks it and its probability is above ``HIGH`` (0.7).
The script draws every sentence with a disputed label, plus ``CONTROLS``
sentences without one (a seeded random sample), so that the audit also
measures how often a fresh annotation changes an undisputed label. The
sentences are shuffled into batches of 250 (``<round>/batches/b1.csv`` ...,
columns ``sentence_id,doc_id,text``, each sorted by sentence id) for two
annotators who see neither the old labels, nor the model, nor
``<round>/drawn.csv`` (why each sentence was drawn). The held-out
documents are never audited, so the held-out score stays an honest one.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.annotate import load_annotator  # noqa: E402
from pipeline.classify import model_inputs  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.train import (  # noqa: E402
    calibrate,
    out_of_fold,
    read_annotations,
    read_guideline_rows,
)

HIGH, LOW = 0.7, 0.15
CONTROLS = 144
BATCH = 250


def main() -> None:
    """Write the audit batches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", required=True, help="New audit folder: audit1, audit2, ...")
    parser.add_argument("--seed", type=int, default=2033)
    args = parser.parse_args()
    if (HERE / args.round).exists():
        raise SystemExit(f"{HERE / args.round} exists: an audit is drawn once")
    held_out = set((HERE / "v2" / "heldout_docs.txt").read_text().split())
    known = read_annotations(sorted(HERE.glob("steering_v*_adjudicated.csv")))
    data = known.subset(~np.isin(known.doc_ids, list(held_out)))
    annotator = load_annotator(Settings.annotator_dir)
    inputs = model_inputs(data.texts, annotator.lemmatize_texts(data.texts))
    raw = out_of_fold(data, inputs, data, inputs, read_guideline_rows(annotator))
    probabilities = calibrate(raw, data.labels).probabilities
    disputed = ((data.labels == 1) & (probabilities < LOW)) | (
        (data.labels == 0) & (probabilities > HIGH)
    )
    flagged = [int(i) for i in np.flatnonzero(disputed.any(axis=1))]
    rng = random.Random(args.seed)
    others = [i for i in range(len(data.texts)) if not disputed[i].any()]
    chosen = flagged + rng.sample(others, CONTROLS)
    others_set = set(others)
    rng.shuffle(chosen)
    out = HERE / args.round / "batches"
    out.mkdir(parents=True, exist_ok=True)
    with (out.parent / "drawn.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence_id", "reason"])
        writer.writerows(
            sorted(
                (data.sentence_ids[i], "control" if i in others_set else "disputed") for i in chosen
            )
        )
    for batch, start in enumerate(range(0, len(chosen), BATCH), start=1):
        rows = sorted(
            (data.sentence_ids[i], data.doc_ids[i], data.texts[i])
            for i in chosen[start : start + BATCH]
        )
        with (out / f"b{batch}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sentence_id", "doc_id", "text"])
            writer.writerows(rows)
        print(f"b{batch}: {len(rows)} sentences")
    print(
        f"{len(data.texts)} training sentences: {len(flagged)} with a disputed label "
        f"(per label {disputed.sum(axis=0).tolist()}), {CONTROLS} controls"
    )


if __name__ == "__main__":
    main()
