"""Settle an audit round (``draw_audit.py``) and correct the adjudicated files.

Usage: python corpora/annotations/audit.py audit1

Reads the two blind annotations ``<round>/labels/<batch>_a1.csv`` and
``_a2.csv`` of every batch, and the labels the sentences had before, from the
``steering_v*_adjudicated.csv`` files. It prints Cohen's kappa between the
two annotators, and how often each agrees with the old labels, separately for
the disputed sentences and for the controls (see ``draw_audit.py``).

Without ``<round>/adjudication.csv`` it writes ``<round>/disputes.csv``: every
sentence where an annotator differs from the old labels, with the old labels
and both annotations, for an adjudicator. ``disputes.csv`` is also the record
of the labels before the audit, so it must be kept. With it (columns
``sentence_id,trust,control,detail,note``, one decision per dispute) it writes
``<round>/corrections.csv``, the sentences whose labels the decision changes
(old and new labels and the note), and applies every ``audit*/corrections.csv``
to the adjudicated files (``merge.corrected``). ``merge.py`` applies them
too, so re-merging a round keeps its corrections.
"""

from __future__ import annotations

import argparse

from merge import HERE, LABELS, _rows, _write, annotation_pairs, corrected

from pipeline.train import kappa


def _labels(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[label] for label in LABELS)


def _agreement(triples: list[tuple[dict, dict, dict, str]], reasons: dict[str, str]) -> None:
    """Print how often each annotator keeps the old labels, per reason for drawing."""
    for reason in sorted(set(reasons.values())):
        group = [t for t in triples if reasons[t[1]["sentence_id"]] == reason]
        for annotator in (1, 2):
            same = sum(_labels(t[0]) == _labels(t[annotator]) for t in group)
            print(
                f"{reason}: a{annotator} keeps all old labels of {same} of {len(group)} sentences"
            )


def main() -> None:
    """Print agreement; write the disputes, or the corrections and corrected files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("round", help="Audit folder, such as audit1.")
    folder = HERE / parser.parse_args().round
    sources = sorted(HERE.glob("steering_v*_adjudicated.csv"))
    old = {row["sentence_id"]: row | {"file": path.name} for path in sources for row in _rows(path)}
    disputes_file = folder / "disputes.csv"
    recorded = (
        {row["sentence_id"]: row for row in _rows(disputes_file)} if disputes_file.is_file() else {}
    )
    triples = []
    for batch, one, two in annotation_pairs(folder):
        before = recorded.get(one["sentence_id"])
        before = (
            {label: before[f"old_{label}"] for label in LABELS} | {"file": before["file"]}
            if before
            else old[one["sentence_id"]]
        )
        triples.append((before, one, two, batch))
    for label in LABELS:
        k = kappa([int(t[1][label]) for t in triples], [int(t[2][label]) for t in triples])
        print(f"{label}: kappa {k:.3f} between the two annotators")
    _agreement(triples, {row["sentence_id"]: row["reason"] for row in _rows(folder / "drawn.csv")})
    disputes = [
        t for t in triples if _labels(t[0]) != _labels(t[1]) or _labels(t[0]) != _labels(t[2])
    ]
    print(f"{len(disputes)} of {len(triples)} sentences differ from their old labels")
    adjudication = folder / "adjudication.csv"
    if not adjudication.is_file():
        _write(
            disputes_file,
            ["batch", "sentence_id", "doc_id", "file", "text"]
            + [f"{who}_{label}" for who in ("old", "a1", "a2") for label in LABELS],
            [
                {"batch": batch, "file": before["file"], **one}
                | {f"old_{label}": before[label] for label in LABELS}
                | {f"a1_{label}": one[label] for label in LABELS}
                | {f"a2_{label}": two[label] for label in LABELS}
                for before, one, two, batch in disputes
            ],
        )
        print(f"disputes written to {disputes_file}")
        return
    if not recorded:
        raise SystemExit(f"{disputes_file} is missing: it records the labels before the audit")
    decided = {row["sentence_id"]: row for row in _rows(adjudication)}
    undecided = [t[1]["sentence_id"] for t in disputes if t[1]["sentence_id"] not in decided]
    bad = [s for s, row in decided.items() if any(row[label] not in {"0", "1"} for label in LABELS)]
    if undecided or bad:
        raise SystemExit(f"{adjudication}: no decision for {undecided}, labels not 0/1 for {bad}")
    changes = [
        {"sentence_id": one["sentence_id"], "file": before["file"], "text": one["text"]}
        | {f"old_{label}": before[label] for label in LABELS}
        | {f"new_{label}": decided[one["sentence_id"]][label] for label in LABELS}
        | {"note": decided[one["sentence_id"]]["note"]}
        for before, one, _, _ in disputes
        if _labels(decided[one["sentence_id"]]) != _labels(before)
    ]
    _write(
        folder / "corrections.csv",
        ["sentence_id", "file", "text"]
        + [f"{when}_{label}" for when in ("old", "new") for label in LABELS]
        + ["note"],
        changes,
    )
    for path in sources:
        rows = _rows(path)
        _write(path, list(rows[0]), corrected(rows, path.name))
    for label in LABELS:
        up = sum(c[f"old_{label}"] == "0" and c[f"new_{label}"] == "1" for c in changes)
        down = sum(c[f"old_{label}"] == "1" and c[f"new_{label}"] == "0" for c in changes)
        print(f"{label}: {up} labels added, {down} removed")
    print(
        f"{len(changes)} sentences corrected; corrections written to {folder / 'corrections.csv'}"
    )


if __name__ == "__main__":
    main()
