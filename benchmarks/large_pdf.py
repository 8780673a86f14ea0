"""Print time and peak memory for processing a 2,000-page PDF.

Usage: python benchmarks/large_pdf.py [--pages N]

The PDF is written with reportlab (running header, page number, 45 lines of
Swedish text per page). Two child processes, so that each peak resident
memory is its own: extraction and segmentation alone, and a whole refresh of
a corpus holding only this PDF (extraction, segmentation, lemmas, steering
labels, Parquet, trends), as ``sediment refresh`` runs it without Prefect.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.settings import PROJECT_ROOT

SOURCE = PROJECT_ROOT / "corpora/sample/riksdagen/2023-10-05_mot_hb022454.txt"
CHILD = """
import json, resource, sys, time
from pathlib import Path
from pipeline.discover import scan
from pipeline.extract import extract
from pipeline.segment import segment
start = time.perf_counter()
(source,) = scan(Path(sys.argv[1]))
document = extract(source, sys.argv[2], ocr=False)
sentences = segment(document)
print(json.dumps({
    "pages": document.n_pages, "sentences": len(sentences),
    "seconds": time.perf_counter() - start,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""
REFRESH = """
import json, resource, sys, time
from pathlib import Path
from pipeline import refresh
from pipeline.settings import Settings
start = time.perf_counter()
summary = refresh.run(Path(sys.argv[1]), Path(sys.argv[2]), Settings(progress=False))
print(json.dumps({
    "pages": summary.pages, "sentences": summary.sentences, "failed": summary.counts["failed"],
    "seconds": time.perf_counter() - start,
    "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def write_pdf(path: Path, pages: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    words = SOURCE.read_text(encoding="utf-8").split()
    lines, line = [], []
    for word in words:
        line.append(word)
        if len(" ".join(line)) > 85:
            lines.append(" ".join(line))
            line = []
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in range(pages):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(60, 810, "Kommunstyrelsen | Verksamhetsplan med budget")
        pdf.drawCentredString(297, 30, str(number + 1))
        pdf.setFont("Times-Roman", 10.5)
        for row in range(45):
            pdf.drawString(60, 770 - row * 15.5, lines[(number * 45 + row) % len(lines)])
        pdf.showPage()
    pdf.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryDirectory() as out:
        pdf = Path(folder) / "stor.pdf"
        start = time.perf_counter()
        write_pdf(pdf, args.pages)
        print(
            f"wrote {args.pages} pages ({pdf.stat().st_size / 2**20:.1f} MiB) in "
            f"{time.perf_counter() - start:.1f} s"
        )
        result = subprocess.run(
            [sys.executable, "-c", CHILD, folder, "pdfium"],
            capture_output=True,
            text=True,
            check=True,
        )
        run = json.loads(result.stdout)
        rate = run["pages"] / run["seconds"]
        print(
            f"pdfium extract + segment: {run['pages']} pages, {run['sentences']} sentences in "
            f"{run['seconds']:.1f} s ({rate:.0f} pages/s), peak memory {run['peak_mib']:.0f} MiB"
        )
        result = subprocess.run(
            [sys.executable, "-c", REFRESH, folder, out], capture_output=True, text=True, check=True
        )
        run = json.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"whole refresh: {run['pages']} pages, {run['sentences']} sentences, "
            f"{run['failed']} failed, in {run['seconds']:.1f} s "
            f"({run['pages'] / run['seconds']:.0f} pages/s), peak memory {run['peak_mib']:.0f} MiB"
        )


if __name__ == "__main__":
    main()
