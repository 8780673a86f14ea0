"""Print PDF extraction speed and quality on this machine.

Usage: python benchmarks/extraction.py [--quick]

Speed: every backend over the PDFs of ../shared/corpora/pdf with a text layer,
one core, OCR off, and pdftotext on the same files in the same run.
Quality: report PDFs set from shared texts (one and two justified, hyphenated
columns, running header, page-number footer) are extracted by each backend and
compared with the source text (difflib ratio over lower-cased words); a scanned
rendering of each goes through OCR.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pipeline.discover import scan
from pipeline.extract import extract
from pipeline.ocr import ocr_available
from pipeline.pdf_backends import PDF_BACKENDS
from pipeline.settings import PROJECT_ROOT
from pipeline.synthetic import HEADER, blocks_from_text, report_pdf, scanned_copy, similarity

SHARED = PROJECT_ROOT.parent / "shared" / "corpora"
TEXTS = (
    "riksdagen/2023-10-05_mot_hb022454.txt",
    "riksdagen/2021-10-05_mot_h9023689.txt",
    "riksdagen/1990-01-19_mot_gd02n357.txt",
    "regeringen/2016-09-13_tal_regeringsforklaringen-den-15-september-2015.md",
)
SCANNED = "1991_prop-1991-92-43_skattetillagg_utdrag.pdf"


def speed() -> None:
    sources = [s for s in scan(SHARED / "pdf") if s.path != SCANNED]
    pages = 0
    for backend in PDF_BACKENDS:
        start = time.perf_counter()
        pages = sum(extract(source, backend, ocr=False).n_pages or 0 for source in sources)
        seconds = time.perf_counter() - start
        print(f"{backend:>10}: {pages} pages in {seconds:6.2f} s = {pages / seconds:6.1f} pages/s")
    if shutil.which("pdftotext"):
        start = time.perf_counter()
        for source in sources:
            subprocess.run(
                ["pdftotext", str(source.abs_path), "-"], capture_output=True, check=True
            )
        seconds = time.perf_counter() - start
        print(
            f"{'pdftotext':>10}: {pages} pages in {seconds:6.2f} s = {pages / seconds:6.1f} pages/s"
        )
    else:
        print(" pdftotext: not installed (apt-get install poppler-utils)")


def quality(limit: int) -> None:
    print(f"{'source text':<48} cols  backend     pages  similarity  header")
    with tempfile.TemporaryDirectory() as folder:
        for name in TEXTS:
            blocks = blocks_from_text((SHARED / name).read_text(encoding="utf-8"), limit)
            truth = "\n\n".join(text for _, text in blocks)
            for columns in (1, 2):
                case = Path(folder) / f"{Path(name).stem}-{columns}"
                (case / "text").mkdir(parents=True)
                report_pdf(case / "text" / "report.pdf", blocks, columns)
                (source,) = scan(case / "text")
                runs = [(backend, source, False) for backend in PDF_BACKENDS]
                if ocr_available():
                    (case / "scan").mkdir()
                    scanned_copy(case / "text" / "report.pdf", case / "scan" / "report.pdf")
                    (scanned,) = scan(case / "scan")
                    runs.append(("ocr", scanned, True))
                for label, pdf, ocr in runs:
                    document = (
                        extract(pdf, "pdfium", ocr=ocr) if ocr else extract(pdf, label, False)
                    )
                    print(
                        f"{name[:48]:<48} {columns:>4}  {label:<10} {document.n_pages:>6}  "
                        f"{similarity(document.text, truth):10.4f}  "
                        f"{'LEAKED' if HEADER in document.text else 'removed'}"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter texts for quality")
    args = parser.parse_args()
    speed()
    quality(4000 if args.quick else 15000)


if __name__ == "__main__":
    main()
