"""Print end-to-end numbers of Prefect refreshes of the shared corpora on this machine.

Usage: python benchmarks/end_to_end.py [--runner thread|process] [--workers 2]

In one run: ``pdftotext -layout`` over the shared PDFs (the reference, timed
before and after the first refresh); the start of Prefect's embedded server
(timed apart); a refresh of the PDFs with OCR off (pages with a text layer)
and one with OCR on (the difference is the OCR time of scanned and garbled
pages); a refresh of the PDFs plus the Riksdagen texts; a refresh of that
unchanged corpus; and the peak resident memory of this process. Corpora are
copied from ``../shared/corpora``. With ``--runner process`` the warm worker
processes start before Prefect's server, as ``sediment refresh`` starts them.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pipeline import workers
from pipeline.settings import PROJECT_ROOT, Settings

# Only light imports above: spawned worker processes import this script again.
SHARED = PROJECT_ROOT.parent / "shared" / "corpora"


def timed_refresh(corpus: Path, out: Path, settings: Settings) -> tuple[float, object]:
    from flows.refresh import run_refresh

    start = time.perf_counter()
    summary = run_refresh(corpus, out, settings)
    return time.perf_counter() - start, summary


def main() -> None:
    """Build the corpora, run the refreshes and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runner", default="thread", choices=("thread", "process"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.runner == "process":  # as `sediment refresh` does before it imports Prefect
        workers.start(Settings(workers=args.workers))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    import pandas as pd
    from pipeline_speed import time_pdftotext  # benchmarks/pipeline_speed.py, beside this script
    from prefect import flow

    @flow(name="sediment-benchmark-warm-up")
    def warm_up() -> None:
        """An empty flow: its first run starts the embedded Prefect server."""

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        pdf_corpus, both = root / "pdf-only", root / "pdf-and-riksdagen"
        shutil.copytree(SHARED / "pdf", pdf_corpus / "pdf")
        shutil.copytree(SHARED / "pdf", both / "pdf")
        shutil.copytree(SHARED / "riksdagen", both / "riksdagen")
        pdfs = sorted((pdf_corpus / "pdf").glob("*.pdf"))

        start = time.perf_counter()
        warm_up()
        print(f"Prefect embedded server and first flow run: {time.perf_counter() - start:.1f} s")
        before = time_pdftotext(pdfs)  # with the server up, as it is for the refresh

        common = {"progress": False, "runner": args.runner, "workers": args.workers}
        text_seconds, text = timed_refresh(
            pdf_corpus, root / "out-text", Settings(ocr=False, **common)
        )
        after = time_pdftotext(pdfs)  # the machine's speed drifts: the reference brackets the run
        ocr_seconds, _ = timed_refresh(pdf_corpus, root / "out-ocr", Settings(**common))
        documents = pd.read_parquet(root / "out-ocr" / "documents")
        ocr_pages = int(documents["ocr_pages"].map(len).sum())
        print(
            f"PDFs, OCR off ({args.runner} x{args.workers}): {len(pdfs)} files, {text.pages} pages "
            f"with a text layer in {text_seconds:.2f} s = {text.pages / text_seconds:.0f} pages/s, "
            f"{text.sentences} sentences, {text.counts['failed']} without a text layer"
        )
        for failure in text.failures:
            print(f"  failed: {failure.message}")
        print(
            f"PDFs, OCR on: {ocr_seconds:.2f} s; {ocr_pages} pages read by OCR, "
            f"{ocr_seconds - text_seconds:.1f} s more"
        )
        if before is None or after is None:
            print("pdftotext: not installed (apt-get install poppler-utils)")
        else:
            reference = (before + after) / 2
            print(
                f"pdftotext -layout, same PDFs, one process: {before:.2f} s before and "
                f"{after:.2f} s after that refresh; the pipeline's stages take "
                f"{text_seconds / reference:.1f}x their mean"
            )
        both_seconds, full = timed_refresh(both, root / "out-both", Settings(**common))
        print(
            f"PDFs + Riksdagen, OCR on: {full.counts['new']} files, {full.sentences} sentences "
            f"in {both_seconds:.1f} s"
        )
        again_seconds, again = timed_refresh(both, root / "out-both", Settings(**common))
        print(
            f"unchanged refresh of PDFs + Riksdagen: {again_seconds:.2f} s "
            f"({again.counts['unchanged']} unchanged)"
        )
    workers.stop()  # a child's peak counts once it has ended
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB (this process), {children:.0f} MiB (largest child)")


if __name__ == "__main__":
    main()
