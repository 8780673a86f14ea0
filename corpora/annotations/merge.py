"""Merge the v2 double annotations and the adjudication into the v2 annotation files.

Usage: python corpora/annotations/merge_v2.py

Reads ``v2/labels/<batch>_a1.csv`` and ``<batch>_a2.csv`` (two independent
annotators) and ``v2/adjudication.csv`` (a decision for every sentence they
disagreed on), writes ``steering_v2_double.csv`` (both annotations) and
``steering_v2_adjudicated.csv`` (one row per sentence), and prints Cohen's
kappa per label.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.train import kappa

HERE = Path(__file__).resolve().parent
LABELS = ("trust", "control", "detail")
BATCHES = ("b1", "b2", "b3", "b4")
HEADER = ["sentence_id", "doc_id", "text", *LABELS, "annotator"]


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def main() -> None:
    """Write the two v2 files and print agreement."""
    with (HERE / "v2" / "adjudication.csv").open(encoding="utf-8") as handle:
        decided = {row["sentence_id"]: row for row in csv.DictReader(handle)}
    double, adjudicated = [], []
    for batch in BATCHES:
        first, second = (
            list(csv.DictReader(io.StringIO(_read(HERE / "v2" / "labels" / f"{batch}_{a}.csv"))))
            for a in ("a1", "a2")
        )
        for one, two in zip(first, second, strict=True):
            assert one["sentence_id"] == two["sentence_id"] and one["text"] == two["text"]
            double += [one, two]
            agreed = all(one[label] == two[label] for label in LABELS)
            final = one if agreed else decided[one["sentence_id"]]
            adjudicated.append(
                {**one, **{label: final[label] for label in LABELS}, "annotator": "adjudicated"}
            )
    for name, rows in (
        ("steering_v2_double.csv", double),
        ("steering_v2_adjudicated.csv", adjudicated),
    ):
        with (HERE / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, HEADER, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    first = [row for row in double if row["annotator"] == "a1"]
    second = [row for row in double if row["annotator"] == "a2"]
    print(f"{len(adjudicated)} sentences, {len(decided)} adjudicated")
    for label in LABELS:
        k = kappa([int(r[label]) for r in first], [int(r[label]) for r in second])
        positives = sum(int(row[label]) for row in adjudicated)
        print(f"{label}: kappa {k:.3f}, {positives} positive after adjudication")


if __name__ == "__main__":
    main()
