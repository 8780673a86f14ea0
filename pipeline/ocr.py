"""OCR of PDF pages with Tesseract's Swedish model, into positioned lines for the layout.

Tesseract is a system program (Debian: ``tesseract-ocr`` and
``tesseract-ocr-swe``); without it, :func:`ocr_available` is false and scanned
pages are reported instead of read.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium

from pipeline.layout import PageLines, TextLine
from pipeline.pdf_backends import PDFIUM_LOCK, clean_line

DPI = 300
LANGUAGE = "swe"
_MIN_CONFIDENCE = 10.0


@cache
def ocr_available() -> bool:
    """True when the ``tesseract`` program and its Swedish model are installed."""
    if shutil.which("tesseract") is None:
        return False
    languages = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    return LANGUAGE in languages


def ocr_page(path: Path, number: int) -> PageLines:
    """Render page ``number`` (1-based) at 300 dpi and read its lines with Tesseract."""
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(path)
        try:
            page = pdf[number - 1]
            width, height = page.get_size()
            image = page.render(scale=DPI / 72, grayscale=True).to_pil()
            page.close()
        finally:
            pdf.close()
    with tempfile.TemporaryDirectory() as folder:
        png = Path(folder) / "page.png"
        image.save(png)
        result = subprocess.run(
            ["tesseract", str(png), "stdout", "-l", LANGUAGE, "--psm", "3", "tsv"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # threads make one page 5x slower
        )
    return PageLines(number, width, height, tuple(_tsv_lines(result.stdout)))


def _tsv_lines(tsv: str) -> list[TextLine]:
    """Group Tesseract's TSV words into lines, in Tesseract's reading order."""
    scale = 72 / DPI
    lines: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] == "5" and row["text"].strip() and float(row["conf"]) >= _MIN_CONFIDENCE:
            lines.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
    result = []
    for words in lines.values():
        lefts = [int(w["left"]) for w in words]
        rights = [int(w["left"]) + int(w["width"]) for w in words]
        tops = [int(w["top"]) for w in words]
        bottoms = [int(w["top"]) + int(w["height"]) for w in words]
        result.append(
            TextLine(
                text=clean_line(" ".join(w["text"] for w in words)),
                x0=min(lefts) * scale,
                x1=max(rights) * scale,
                top=min(tops) * scale,
                bottom=max(bottoms) * scale,
            )
        )
    return result
