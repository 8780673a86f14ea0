"""Print speed numbers for the pipeline's stages on this machine.

Usage: python benchmarks/pipeline_speed.py [PDF_FOLDER] [--text-folder DIR]

Times, on one core and in one process: pdftotext (reference, if installed),
extraction (OCR off), segmentation, annotation and classification of every
PDF with a text layer; then the whole pipeline (incl. writing Parquet and OCR
of the scanned sample PDF, if Tesseract is installed) over the bundled sample
corpus, a second refresh of the unchanged corpus, and a third with another
steering model (trained first, on the v1 annotations, untimed), which only
reclassifies the stored sentences. Extraction quality and OCR are measured by
benchmarks/extraction.py.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pipeline import refresh
from pipeline.annotate import load_annotator
from pipeline.classify import load_model
from pipeline.discover import scan
from pipeline.errors import InputError
from pipeline.extract import extract
from pipeline.segment import segment
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.train import train


def time_pdftotext(pdfs: list[Path]) -> float | None:
    if shutil.which("pdftotext") is None:
        return None
    start = time.perf_counter()
    for pdf in pdfs:
        subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "pdf_folder", type=Path, nargs="?", default=PROJECT_ROOT.parent / "shared/corpora/pdf"
    )
    parser.add_argument("--sample", type=Path, default=PROJECT_ROOT / "corpora/sample")
    args = parser.parse_args()

    settings = Settings(progress=False)
    annotator = load_annotator(settings.annotator_dir)
    model = load_model(settings.model_dir)
    sources = [s for s in scan(args.pdf_folder) if s.kind == "pdf"]

    stage_seconds = dict.fromkeys(("extract", "segment", "annotate", "classify"), 0.0)
    pages = sentences = tokens = 0
    readable = []
    for source in sources:
        start = time.perf_counter()
        try:
            document = extract(source, ocr=False)
        except InputError as error:
            print(f"skipped {source.path}: {error.kind}")
            continue
        stage_seconds["extract"] += time.perf_counter() - start
        readable.append(source.abs_path)
        pages += document.n_pages or 0
        start = time.perf_counter()
        split = segment(document)
        stage_seconds["segment"] += time.perf_counter() - start
        start = time.perf_counter()
        annotated = annotator.annotate(split)
        stage_seconds["annotate"] += time.perf_counter() - start
        start = time.perf_counter()
        model.classify(annotated)
        stage_seconds["classify"] += time.perf_counter() - start
        sentences += len(split)
        tokens += sum(len(a.tokens) for a in annotated)

    total = sum(stage_seconds.values())
    print(f"PDFs with a text layer: {len(readable)}, {pages} pages, {sentences} sentences")
    reference = time_pdftotext(readable)
    if reference is None:
        print("pdftotext: not installed (apt-get install poppler-utils)")
    else:
        print(f"pdftotext -layout: {reference:.2f} s, {pages / reference:.0f} pages/s")
    for stage, seconds in stage_seconds.items():
        rate = f"{tokens / seconds:,.0f} tokens/s" if stage in {"annotate", "classify"} else ""
        print(f"{stage:>9}: {seconds:6.2f} s  {pages / seconds:7.0f} pages/s  {rate}")
    print(f"{'stages':>9}: {total:6.2f} s  {pages / total:7.0f} pages/s (one core, no Prefect)")

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        summary = refresh.run(args.sample, Path(out), settings)
        first = time.perf_counter() - start
        start = time.perf_counter()
        refresh.run(args.sample, Path(out), settings)
        second = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as model_dir:
            annotations = PROJECT_ROOT / "corpora" / "annotations" / "steering_v1_adjudicated.csv"
            train([annotations], load_annotator(settings.annotator_dir), Path(model_dir), "bench")
            start = time.perf_counter()
            rescored = refresh.run(
                args.sample, Path(out), Settings(progress=False, model_dir=model_dir)
            )
            third = time.perf_counter() - start
    print(
        f"sample refresh (no Prefect): {first:.2f} s, {summary.counts}, {summary.pages} PDF pages, "
        f"{summary.sentences} sentences; unchanged again: {second:.2f} s; "
        f"after a model change: {third:.2f} s, {rescored.counts['reclassified']} documents and "
        f"{rescored.reclassified_sentences} sentences reclassified, {rescored.pages} PDF pages read"
    )


if __name__ == "__main__":
    main()
