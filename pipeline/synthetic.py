"""Report-like PDFs with known text, to measure extraction against the truth.

The PDFs are set as Swedish public-sector reports are: justified text in one or
two columns, Swedish hyphenation at line ends, a running header and a page
number in the footer, headings between paragraphs. A scanned rendering turns
each page into an image. Needs reportlab and pyphen (the ``dev`` extra).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from pipeline.pdf_backends import PDFIUM_LOCK

HEADER = "Kommunstyrelsens förvaltning | Styrning och uppföljning 2024"
_WORD = re.compile(r"\w+")


def report_pdf(
    path: Path, blocks: Sequence[tuple[str, str]], columns: int, header: str = HEADER
) -> None:
    """Write a report PDF.

    Args:
        path: Where to write it.
        blocks: (kind, text) in reading order; kind is "heading" or "prose".
        columns: 1 or 2 text columns.
        header: Running header printed on every page; the footer is the page number.
    """
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph

    width, height = A4
    margin, gutter = 22 * mm, 8 * mm
    frame_width = (width - 2 * margin - (columns - 1) * gutter) / columns
    frames = [
        Frame(margin + i * (frame_width + gutter), margin, frame_width, height - 2 * margin)
        for i in range(columns)
    ]

    def furniture(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(margin, height - 12 * mm, header)
        canvas.drawCentredString(width / 2, 10 * mm, str(document.page))
        canvas.restoreState()

    body = ParagraphStyle(
        "body",
        fontName="Times-Roman",
        fontSize=10.5 if columns == 1 else 9.5,
        leading=13 if columns == 1 else 11.5,
        alignment=TA_JUSTIFY,
        spaceAfter=6,
        hyphenationLang="sv",
        embeddedHyphenation=1,
        uriWasteReduce=0.3,
    )
    heading = ParagraphStyle(
        "heading", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=8, spaceAfter=4
    )
    document = BaseDocTemplate(str(path), pagesize=A4, title="Syntetisk rapport")
    document.addPageTemplates([PageTemplate(frames=frames, onPage=furniture)])
    document.build(
        [Paragraph(_escape(text), heading if kind == "heading" else body) for kind, text in blocks]
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def scanned_copy(source: Path, target: Path, dpi: int = 200) -> None:
    """Write an image-only PDF of ``source``: every page rendered, no text layer."""
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(source)
        try:
            images = [
                pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))
            ]
        finally:
            pdf.close()
    images[0].save(target, save_all=True, append_images=images[1:], resolution=dpi)


def blocks_from_text(text: str, limit: int) -> list[tuple[str, str]]:
    """Paragraphs of a plain-text document as report blocks, up to ``limit`` characters.

    Markdown headings and short lines without a final period become headings;
    soft hyphens go.
    """
    blocks: list[tuple[str, str]] = []
    size = 0
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.replace("\u00ad", "").split())
        if not paragraph:
            continue
        markdown_heading = paragraph.startswith("#")
        paragraph = paragraph.lstrip("# ")
        short = len(paragraph) < 70 and not paragraph.endswith(".")
        kind = "heading" if markdown_heading or short else "prose"
        blocks.append((kind, paragraph))
        size += len(paragraph)
        if size >= limit:
            break
    return blocks


def similarity(extracted: str, truth: str) -> float:
    """Word-sequence similarity: difflib's ratio over lower-cased word tokens."""
    ours = _WORD.findall(extracted.lower())
    theirs = _WORD.findall(truth.lower())
    return difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio()
