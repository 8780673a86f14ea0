"""Merge one annotation round's double annotations and adjudication into its annotation files.

Usage: python corpora/annotations/merge.py v3

Reads ``<round>/labels/<batch>_a1.csv`` and ``<batch>_a2.csv`` (two
independent annotators) for every batch in ``<round>/batches``, and prints
Cohen's kappa per label. Without ``<round>/adjudication.csv`` it writes
``<round>/disagreements.csv``, the sentences an adjudicator must decide, and
stops. With it (a decision for every disagreement), it writes
``steering_<round>_double.csv`` (both annotations) and
``steering_<round>_adjudicated.csv`` (one row per sentence, with the
corrections of any audit applied, see ``audit.py``).
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from pipeline.train import kappa

HERE = Path(__file__).resolve().parent
LABELS = ("trust", "control", "detail")
HEADER = ["sentence_id", "doc_id", "text", *LABELS, "annotator"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write a CSV, keeping the line endings of the file it replaces (the shared v1 uses LF)."""
    ending = "\n" if path.is_file() and b"\r\n" not in path.read_bytes() else "\r\n"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header, extrasaction="ignore", lineterminator=ending)
        writer.writeheader()
        writer.writerows(rows)


def audits() -> list[Path]:
    """The audit folders (``audit1``, ``audit2``, ...), in the order they were made."""
    folders = [path for path in HERE.glob("audit*") if path.name[5:].isdigit()]
    return sorted(folders, key=lambda path: int(path.name[5:]))


def corrected(rows: list[dict[str, str]], file_name: str) -> list[dict[str, str]]:
    """``rows`` of ``file_name`` with the new labels of every audit that corrected them.

    Only corrections that name this file apply (``audit*/corrections.csv``, see
    ``audit.py``); a later audit's correction of a sentence wins.
    """
    fixes = {
        row["sentence_id"]: row
        for folder in audits()
        if (folder / "corrections.csv").is_file()
        for row in _rows(folder / "corrections.csv")
        if row["file"] == file_name
    }
    return [
        row | {label: fixes[row["sentence_id"]][f"new_{label}"] for label in LABELS}
        if row["sentence_id"] in fixes
        else row
        for row in rows
    ]


def annotation_pairs(folder: Path) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """(batch, a1's row, a2's row) for every sentence of every batch in ``folder``."""
    pairs = []
    for batch in sorted(path.stem for path in (folder / "batches").glob("b*.csv")):
        first, second = (_rows(folder / "labels" / f"{batch}_{a}.csv") for a in ("a1", "a2"))
        for one, two in zip(first, second, strict=True):
            if one["sentence_id"] != two["sentence_id"] or one["text"] != two["text"]:
                raise SystemExit(f"{batch}: a1 and a2 differ at {one['sentence_id']}")
            pairs.append((batch, one, two))
    return pairs


def main() -> None:
    """Print agreement; write the disagreements or the merged files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("round", help="Annotation round folder, such as v2 or v3.")
    folder = HERE / parser.parse_args().round
    pairs = annotation_pairs(folder)
    for label in LABELS:
        k = kappa([int(one[label]) for _, one, _ in pairs], [int(two[label]) for *_, two in pairs])
        print(f"{label}: kappa {k:.3f}")
    disagreements = [
        (batch, one, two)
        for batch, one, two in pairs
        if any(one[label] != two[label] for label in LABELS)
    ]
    adjudication = folder / "adjudication.csv"
    if not adjudication.is_file():
        _write(
            folder / "disagreements.csv",
            ["batch", "sentence_id", "doc_id", "text"]
            + [f"{a}_{label}" for a in ("a1", "a2") for label in LABELS],
            [
                {"batch": batch, **one}
                | {f"a1_{label}": one[label] for label in LABELS}
                | {f"a2_{label}": two[label] for label in LABELS}
                for batch, one, two in disagreements
            ],
        )
        print(f"{len(disagreements)} disagreements written to {folder / 'disagreements.csv'}")
        return
    decided = {row["sentence_id"]: row for row in _rows(adjudication)}
    double, adjudicated = [], []
    for _, one, two in pairs:
        double += [one, two]
        agreed = all(one[label] == two[label] for label in LABELS)
        final = one if agreed else decided[one["sentence_id"]]
        adjudicated.append(
            {**one, **{label: final[label] for label in LABELS}, "annotator": "adjudicated"}
        )
    name = folder.name
    _write(HERE / f"steering_{name}_double.csv", HEADER, double)
    adjudicated = corrected(adjudicated, f"steering_{name}_adjudicated.csv")
    _write(HERE / f"steering_{name}_adjudicated.csv", HEADER, adjudicated)
    print(f"{len(adjudicated)} sentences, {len(disagreements)} adjudicated, audits applied")
    for label in LABELS:
        print(f"{label}: {sum(int(row[label]) for row in adjudicated)} positive after adjudication")


if __name__ == "__main__":
    main()
