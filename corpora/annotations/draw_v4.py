"""Draw the v4 sentences: more test sentences from the 12 held-out documents.

Usage: python corpora/annotations/draw_v4.py [--out corpora/annotations/v4]

The held-out estimate in the model card rested on 448 sentences, with only 12
detail-steering and 33 trust positives; one sentence more or less moved F1 by
several points. This draw adds up to 80 new sentences from each held-out
document (``v2/heldout_docs.txt``), not yet in the v1-v3 annotations, drawn
as in ``draw_v2.py`` (about 70 % with a cue word), with a fixed seed and no
model involved. They are test data only: no document in them is ever trained
on when the held-out score is measured. Two batches, ``batches/b1.csv`` and
``b2.csv``; ids ``<corpus>/<stem>#v4-<n>``.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from draw_v2 import SHARED, draw, sentences_of  # noqa: E402

SEED = 2028
PER_DOCUMENT = 80


def main() -> None:
    """Write the two v4 batches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "v4")
    args = parser.parse_args()
    annotated = set()
    for name in ("v1", "v2", "v3"):
        with (HERE / f"steering_{name}_adjudicated.csv").open(encoding="utf-8") as handle:
            annotated |= {" ".join(row["text"].split()) for row in csv.DictReader(handle)}
    rng = random.Random(SEED)
    rows = []
    for doc_id in (HERE / "v2" / "heldout_docs.txt").read_text().split():
        corpus, stem = doc_id.split("/", 1)
        path = next(p for p in (SHARED / corpus).glob(f"{stem}.*") if p.suffix in {".txt", ".md"})
        pool, seen = [], set()
        for index, sentence in enumerate(sentences_of(path)):
            if sentence not in annotated and sentence not in seen:
                seen.add(sentence)
                pool.append((f"{doc_id}#v4-{index:05d}", doc_id, sentence))
        rows += draw(pool, PER_DOCUMENT, rng)
    (args.out / "batches").mkdir(parents=True, exist_ok=True)
    half = len(rows) // 2
    for number, part in ((1, rows[:half]), (2, rows[half:])):
        with (args.out / "batches" / f"b{number}.csv").open(
            "w", newline="", encoding="utf-8"
        ) as handle:
            writer = csv.writer(handle)
            writer.writerow(["sentence_id", "doc_id", "text"])
            writer.writerows(part)
        print(f"b{number}: {len(part)} sentences from {len({r[1] for r in part})} documents")


if __name__ == "__main__":
    main()
