"""Draw the v2 sentences to annotate: governance text, with held-out documents for testing.

Usage: python corpora/annotations/draw_v2.py [--out corpora/annotations/v2]

Reads the Riksdagen and regeringen.se texts in ../shared/corpora, splits them
with sediment's segmenter, leaves out sentences already in the v1 annotations,
and draws with a fixed seed:

- ``heldout_docs.txt``: 6 Riksdagen and 6 regeringen.se documents, drawn
  among the half of each corpus's documents (of at least 10 sentences)
  densest in steering cue words; they are never trained on when the
  held-out score is measured (their v1 sentences are test data too);
- ``heldout_sentences.csv``: up to 34 new sentences from each held-out document;
- ``train_sentences.csv``: 800 new sentences from the other documents.

About 70 % of each draw contains a cue word from ANNOTATION.md (measurement,
follow-up, trust, mandate, detail steering, ...), the rest is drawn from the
sentences without one, so that the annotators also see ordinary governance
prose. Columns: ``sentence_id,doc_id,text`` with ids ``<corpus>/<stem>#v2-<n>``,
``n`` the sentence's index in sediment's segmentation of the file.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

from pipeline.segment import is_prose, split_spans

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"
SEED = 2026
HELD_OUT_PER_CORPUS = 6
HELD_OUT_PER_DOCUMENT = 34
TRAIN_SENTENCES = 800
CUE_SHARE = 0.7
CUES = re.compile(
    r"tillit|förtroend|lita på|misstro|handlingsutrymme|delegera|mandat|medbestämmande|"
    r"medskapande|proffs|dialog|värdegrund|helhetssyn|samverka|medborgar|brukar|lärande|"
    r"självständig|autonomi|kontroll|mäta|mäts|mått|nyckeltal|indikator|målstyrning|"
    r"resultatstyrning|uppföljning|följa upp|följs upp|följer upp|rapporter|utvärder|gransk|"
    r"revision|inspektion|tillsyn|ekonomistyrning|beställar|sanktion|new public management|"
    r"\bnpm\b|regelstyrning|ansvarsutkrävande|detalj|styrdokument|styrsignal|styrning|"
    r"lägga sig i|lägger sig i|antalet mål",
    re.IGNORECASE,
)
_PARAGRAPHS = re.compile(r"\n\s*\n")


def sentences_of(path: Path) -> list[str]:
    """The prose sentences of a text file, in order, with 6 to 80 words."""
    text = path.read_text(encoding="utf-8")
    found = []
    for paragraph in _PARAGRAPHS.split(text):
        for start, end in split_spans(paragraph):
            sentence = " ".join(paragraph[start:end].split())
            if is_prose(sentence) and 6 <= len(sentence.split()) <= 80:
                found.append(sentence)
    return found


Row = tuple[str, str, str]  # sentence_id, doc_id, text


def draw(pool: list[Row], n: int, rng: random.Random) -> list[Row]:
    """``n`` sentences, about 70 % with a cue word."""
    cued = [row for row in pool if CUES.search(row[2])]
    plain = [row for row in pool if not CUES.search(row[2])]
    chosen = rng.sample(cued, min(len(cued), round(n * CUE_SHARE)))
    chosen += rng.sample(plain, min(len(plain), n - len(chosen)))
    return sorted(chosen)


def main() -> None:
    """Write the held-out documents and the two sentence files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "corpora" / "annotations" / "v2")
    args = parser.parse_args()
    with (ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv").open() as handle:
        annotated = {" ".join(row["text"].split()) for row in csv.DictReader(handle)}
    documents: dict[str, list[Row]] = {}
    density: dict[str, float] = {}
    for corpus in ("riksdagen", "regeringen"):
        for path in sorted((SHARED / corpus).glob("*")):
            if path.suffix not in {".txt", ".md"}:
                continue
            doc_id = f"{corpus}/{path.stem}"
            sentences = sentences_of(path)
            if len(sentences) >= 10:
                density[doc_id] = sum(bool(CUES.search(s)) for s in sentences) / len(sentences)
            documents[doc_id] = [
                (f"{doc_id}#v2-{index:05d}", doc_id, sentence)
                for index, sentence in enumerate(sentences)
                if sentence not in annotated
            ]
    rng = random.Random(SEED)
    held_out = []
    for corpus in ("riksdagen", "regeringen"):
        candidates = [doc_id for doc_id in density if doc_id.startswith(f"{corpus}/")]
        dense = sorted(candidates, key=lambda doc_id: (-density[doc_id], doc_id))
        held_out += sorted(rng.sample(dense[: len(dense) // 2], HELD_OUT_PER_CORPUS))
    held_out_rows = [
        row for doc_id in held_out for row in draw(documents[doc_id], HELD_OUT_PER_DOCUMENT, rng)
    ]
    train_pool = [
        row for doc_id, rows in documents.items() if doc_id not in held_out for row in rows
    ]
    train_rows = draw(train_pool, TRAIN_SENTENCES, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "heldout_docs.txt").write_text("\n".join(held_out) + "\n", encoding="utf-8")
    for name, rows in (
        ("heldout_sentences.csv", held_out_rows),
        ("train_sentences.csv", train_rows),
    ):
        with (args.out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["sentence_id", "doc_id", "text"])
            writer.writerows(rows)
        print(f"{name}: {len(rows)} sentences from {len({row[1] for row in rows})} documents")


if __name__ == "__main__":
    main()
