"""Draw the held-out sentences for a blind second annotation (retest1).

Usage: python corpora/annotations/draw_retest.py [--round retest1]

Every annotated sentence of the held-out documents (``v2/heldout_docs.txt``)
in the ``steering_v*_adjudicated.csv`` files, sorted by sentence id, in four
equal batches (``<round>/batches/b1.csv`` ..., columns
``sentence_id,doc_id,text``). ``merge.py <round>`` then merges the two
annotations; ``benchmarks/label_reliability.py`` compares the result with
the original labels.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from pipeline.train import read_annotations  # noqa: E402

BATCHES = 4


def main() -> None:
    """Write the batches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", default="retest1", help="Folder for the batches.")
    out = HERE / parser.parse_args().round / "batches"
    held_out = set((HERE / "v2" / "heldout_docs.txt").read_text().split())
    data = read_annotations(sorted(HERE.glob("steering_v*_adjudicated.csv")))
    rows = sorted(
        (sentence, doc, text)
        for sentence, doc, text in zip(data.sentence_ids, data.doc_ids, data.texts, strict=True)
        if doc in held_out
    )
    size = -(-len(rows) // BATCHES)
    out.mkdir(parents=True, exist_ok=True)
    for batch in range(BATCHES):
        with (out / f"b{batch + 1}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sentence_id", "doc_id", "text"])
            writer.writerows(rows[batch * size : (batch + 1) * size])
    print(f"{len(rows)} sentences in {BATCHES} batches of up to {size}")


if __name__ == "__main__":
    main()
