"""How well does sediment recover a known trust trend from PDFs?

Usage: python benchmarks/trend_recovery.py [--seed 7] [--negatives natural|annotated] [--keep DIR]

Builds a dated corpus whose true per-year share of trust sentences is known:
annotated sentences from the 12 held-out documents (``v2/heldout_docs.txt``)
are placed, one paragraph each, into 10 PDF reports a year, 2010-2025, 100
sentences each, with a trust share that rises from 2 % to a peak of 12 % in
2019 and settles on a 6 % plateau. The annotated sentences were drawn with
about 70 % containing a cue word; real documents have far fewer (18 % of the
held-out documents' sentences), and cue words are where a classifier errs. So
by default (``--negatives natural``) the non-trust sentences are drawn with
a cue word as often as in the held-out documents' full text;
``--negatives annotated`` draws them as annotated. A steering model is trained, as ``sediment
train`` does, on every other annotated sentence, so no sentence of the corpus
was trained on. The corpus is refreshed by the real pipeline (PDF extraction,
segmentation, lemmas, classification) and the recovered yearly trust share is
compared with the truth: Pearson r, mean absolute error, peak year and
residual ratio, for shares from decisions (``labels``) and from mean
probabilities (``probabilities``).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from pipeline import refresh
from pipeline.annotate import load_annotator
from pipeline.metrics import sediment
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.train import read_annotations, train

ANNOTATIONS = PROJECT_ROOT / "corpora" / "annotations"
sys.path.insert(0, str(ANNOTATIONS))
from draw_v2 import CUES, SHARED, sentences_of  # noqa: E402

YEARS = list(range(2010, 2026))
DOCUMENTS_PER_YEAR = 10
SENTENCES_PER_DOCUMENT = 100
PLATEAU = 0.06


def true_share(year: int) -> float:
    """The built-in wave: 2 % until 2014, a rise to 12 % in 2019, a fall to a 6 % plateau."""
    if year <= 2014:
        return 0.02
    if year <= 2019:
        return 0.02 + (year - 2014) * 0.02
    return max(PLATEAU, 0.12 - (year - 2019) * 0.02)


def split_annotations(held_out: set[str], folder: Path) -> tuple[Path, list[tuple[str, int]]]:
    """Write the training sentences to a CSV; return it and the held-out (text, trust) pairs.

    A sentence of another document with the text of a held-out one (a motion
    tabled again) is left out of training too.
    """
    training = folder / "training.csv"
    rows: list[dict[str, str]] = []
    for path in sorted(ANNOTATIONS.glob("steering_v*_adjudicated.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows += csv.DictReader(handle)
    test = [(row["text"], int(row["trust"])) for row in rows if row["doc_id"] in held_out]
    test_texts = {" ".join(text.split()) for text, _ in test}
    with training.open("w", newline="", encoding="utf-8") as out:
        writer = None
        for row in rows:
            if row["doc_id"] not in held_out and " ".join(row["text"].split()) not in test_texts:
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
    return training, test


def natural_cue_rate(held_out: set[str]) -> float:
    """The share of the held-out documents' sentences that contain a cue word."""
    sentences = [
        sentence
        for doc_id in sorted(held_out)
        for path in (SHARED / doc_id.split("/")[0]).glob(f"{doc_id.split('/')[1]}.*")
        if path.suffix in {".txt", ".md"}
        for sentence in sentences_of(path)
    ]
    return sum(bool(CUES.search(sentence)) for sentence in sentences) / len(sentences)


def build_corpus(
    test: list[tuple[str, int]], corpus: Path, rng: random.Random, cue_rate: float | None
) -> dict[int, float]:
    """Render the PDFs and their manifest; return the true trust share per year.

    Args:
        test: Annotated (text, trust) pairs to place.
        corpus: Folder to create.
        rng: Random source.
        cue_rate: Share of non-trust sentences drawn from those with a cue word;
            None draws them as annotated.
    """
    trust = [text for text, label in test if label]
    other = [text for text, label in test if not label]
    cued = [text for text in other if CUES.search(text)]
    plain = [text for text in other if not CUES.search(text)]
    styles = getSampleStyleSheet()
    corpus.mkdir(parents=True)
    manifest = [("file", "date", "organisation", "doc_type", "title")]
    truth = {}
    for year in YEARS:
        placed = positive = 0
        for number in range(DOCUMENTS_PER_YEAR):
            n_trust = round(true_share(year) * SENTENCES_PER_DOCUMENT + rng.uniform(-0.5, 0.5))
            n_other = SENTENCES_PER_DOCUMENT - n_trust
            if cue_rate is None:
                others = rng.choices(other, k=n_other)
            else:
                n_cued = sum(rng.random() < cue_rate for _ in range(n_other))
                others = rng.choices(cued, k=n_cued) + rng.choices(plain, k=n_other - n_cued)
            sentences = rng.choices(trust, k=n_trust) + others
            rng.shuffle(sentences)
            name = f"{year}_rapport_{number + 1}.pdf"
            story = [Paragraph(f"Verksamhetsrapport {year}:{number + 1}", styles["Title"])]
            for text in sentences:
                story += [Paragraph(_escape(text), styles["BodyText"]), Spacer(1, 6)]
            SimpleDocTemplate(str(corpus / name), pagesize=A4).build(story)
            manifest.append((name, f"{year}-06-01", "Syntetverket", "rapport", name))
            placed += len(sentences)
            positive += n_trust
        truth[year] = positive / placed
    with (corpus / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(manifest)
    return truth


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compare(truth: dict[int, float], recovered: dict[int, float]) -> str:
    """r, mean absolute error, peak year and residual ratio of a recovered series."""
    years = sorted(truth)
    true = np.array([truth[y] for y in years])
    found = np.array([recovered.get(y, np.nan) for y in years])
    r = float(np.corrcoef(true, found)[0, 1])
    mae = float(np.mean(np.abs(true - found)))
    real, seen = sediment(truth), sediment(dict(zip(years, found, strict=True)))
    return (
        f"r {r:.3f}, MAE {mae:.4f}, peak year {seen.peak_year} (true {real.peak_year}), "
        f"residual ratio {seen.residual_ratio:.3f} (true {real.residual_ratio:.3f}, "
        f"error {seen.residual_ratio - real.residual_ratio:+.3f})"
    )


def main() -> None:
    """Build, refresh and compare; print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--negatives", choices=("natural", "annotated"), default="natural")
    parser.add_argument("--keep", type=Path, help="Keep corpus, model and output here.")
    args = parser.parse_args()
    held_out = set((ANNOTATIONS / "v2" / "heldout_docs.txt").read_text().split())
    with tempfile.TemporaryDirectory() as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        training, test = split_annotations(held_out, work)
        print(
            f"training sentences {len(read_annotations([training]).texts)}; test sentences "
            f"{len(test)} ({sum(label for _, label in test)} trust)"
        )
        model_dir = work / "model"
        settings = Settings(progress=False, model_dir=str(model_dir))
        train([training], load_annotator(settings.annotator_dir), model_dir, "recovery")
        cue_rate = natural_cue_rate(held_out) if args.negatives == "natural" else None
        truth = build_corpus(test, work / "corpus", random.Random(args.seed), cue_rate)
        if cue_rate is not None:
            print(f"non-trust sentences with a cue word: {cue_rate:.1%}, as in the documents")
        summary = refresh.run(work / "corpus", work / "out", settings)
        placed = len(YEARS) * DOCUMENTS_PER_YEAR * SENTENCES_PER_DOCUMENT
        print(
            f"{summary.counts['new']} PDFs, {summary.pages} pages; {placed} sentences placed, "
            f"{summary.sentences} recovered"
        )
        trends = pd.read_parquet(work / "out" / "trends.parquet")
        trust = trends[(trends["level"] == "all") & (trends["label"] == "trust")]
        for column, name in (("share", "labels"), ("p_share", "probabilities")):
            recovered = dict(zip(trust["year"].astype(int), trust[column], strict=True))
            print(f"{name:>13}: {compare(truth, recovered)}")
        print("year  true   labels  probabilities")
        for row in trust.itertuples():
            print(f"{row.year}  {truth[int(row.year)]:.3f}  {row.share:.3f}   {row.p_share:.3f}")


if __name__ == "__main__":
    main()
