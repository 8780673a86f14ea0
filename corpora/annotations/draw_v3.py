"""Draw an active-learning round (v3, v5, v6): where the recipe is least sure, and rare labels.

Usage: python corpora/annotations/draw_v3.py [--round v3] [--seed 2027]

Pool: the Riksdagen and regeringen.se sentences (segmented as in
``draw_v2.py``) that are in no earlier round's annotations and not in a
held-out document (``v2/heldout_docs.txt``). A model is trained, as
``sediment train`` does, on the earlier rounds' adjudicated annotations
without the held-out documents, and scores the pool. With a fixed seed the
script then draws:

- up to 200 sentences that may speak of detail steering: a detail cue
  (``pipeline/cues.py``) or a word the public debate uses for it
  (``DETAIL_CANDIDATE``: riktade statsbidrag, öronmärkning,
  återrapporteringskrav, ...); the label is still the annotators' call;
- 300 with a trust cue;
- the rest, to 1,000, closest to one of the model's thresholds in log-odds
  (active learning), at most 20 from one document.

They are shuffled into four batches of 250 (``batches/b1.csv`` ...), each
sorted by sentence id so that a document's sentences stay together, into
``<round>/batches``. Ids are ``<corpus>/<stem>#<round>-<n>``, ``n`` the
sentence's index in the file. v3 was drawn with seed 2027, v5 with 2029, v6
with 2031.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from draw_v2 import SHARED, sentences_of  # noqa: E402

from pipeline.annotate import load_annotator  # noqa: E402
from pipeline.classify import log_odds, model_inputs  # noqa: E402
from pipeline.cues import cue_tokens  # noqa: E402
from pipeline.records import LABELS  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.train import _fit, read_annotations, read_guideline_rows  # noqa: E402

TOTAL, TRUST_CUED, DETAIL_CUED = 1000, 300, 200
PER_DOCUMENT = 20
BATCH = 250
DETAIL_CANDIDATE = re.compile(
    r"detalj|öronmärk|riktade? statsbidrag|målträngsel|många mål|antalet (mål|uppdrag)|"
    r"styrdokument|styrsignal|mikrostyr|överstyr|lägg(a|er) sig i|återrapporteringskrav|"
    r"pekpinn|fler(a)? (mål|uppdrag)|uppdragsstyrning",
    re.IGNORECASE,
)


def main() -> None:
    """Write the four v3 batches."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", default="v3", help="Round name: v3, v5, ...")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    out = HERE / args.round
    number = int(args.round.removeprefix("v"))
    held_out = set((HERE / "v2" / "heldout_docs.txt").read_text().split())
    known = read_annotations(
        [HERE / f"steering_v{earlier}_adjudicated.csv" for earlier in range(1, number)]
    )
    annotated = {" ".join(text.split()) for text in known.texts}
    pool: list[tuple[str, str, str]] = []
    for corpus in ("riksdagen", "regeringen"):
        for path in sorted((SHARED / corpus).glob("*")):
            doc_id = f"{corpus}/{path.stem}"
            if path.suffix not in {".txt", ".md"} or doc_id in held_out:
                continue
            seen = set()
            for index, sentence in enumerate(sentences_of(path)):
                if sentence not in annotated and sentence not in seen:
                    seen.add(sentence)
                    pool.append((f"{doc_id}#{args.round}-{index:05d}", doc_id, sentence))
    annotator = load_annotator(Settings.annotator_dir)
    training = known.subset(~np.isin(known.doc_ids, list(held_out)))
    model = _fit(
        training,
        model_inputs(training.texts, annotator.lemmatize_texts(training.texts)),
        f"draw-{args.round}",
        read_guideline_rows(annotator),
    ).model
    lemmas = annotator.lemmatize_texts([row[2] for row in pool])
    probabilities = model.probabilities([row[2] for row in pool], lemmas)
    thresholds = np.array([model.thresholds[label] for label in LABELS])
    distance = np.abs(log_odds(probabilities) - log_odds(thresholds)).min(axis=1)
    rng = random.Random(args.seed)
    cues = [cue_tokens(sentence_lemmas) for sentence_lemmas in lemmas]
    detail = [
        i for i, row in enumerate(pool) if "detail:" in cues[i] or DETAIL_CANDIDATE.search(row[2])
    ]
    chosen = rng.sample(detail, min(DETAIL_CUED, len(detail)))
    trust = [i for i, c in enumerate(cues) if "trust:" in c and i not in set(chosen)]
    chosen += rng.sample(trust, min(TRUST_CUED, len(trust)))
    taken = set(chosen)
    per_document: dict[str, int] = {}
    for index in np.argsort(distance, kind="stable"):
        doc_id = pool[index][1]
        if index not in taken and per_document.get(doc_id, 0) < PER_DOCUMENT:
            chosen.append(int(index))
            per_document[doc_id] = per_document.get(doc_id, 0) + 1
        if len(chosen) == TOTAL:
            break
    rng.shuffle(chosen)
    (out / "batches").mkdir(parents=True, exist_ok=True)
    for batch, start in enumerate(range(0, len(chosen), BATCH), start=1):
        rows = sorted(pool[i] for i in chosen[start : start + BATCH])
        with (out / "batches" / f"b{batch}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sentence_id", "doc_id", "text"])
            writer.writerows(rows)
        print(f"b{batch}: {len(rows)} sentences from {len({r[1] for r in rows})} documents")
    print(f"pool {len(pool)}: {len(detail)} detail candidates, {len(trust)} trust-cued")


if __name__ == "__main__":
    main()
