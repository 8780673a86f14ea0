"""Extract: turn a PDF or text file into clean text with page and paragraph provenance.

PDFs go through a registered backend (``pipeline.pdf_backends``), pages with no
text layer or a garbled one through OCR when Tesseract is installed
(``pipeline.ocr``), and the positioned lines through ``pipeline.layout``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from pipeline.errors import Errors, InputError
from pipeline.layout import Layout, PageLines, lay_out
from pipeline.ocr import ocr_available, ocr_page
from pipeline.pdf_backends import MIN_TEXT_CHARS, PDF_BACKENDS, clean_line
from pipeline.records import DocumentMeta, ExtractedDocument, Page, Paragraph, SourceFile

PARAGRAPH_BREAK = "\n\n"
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_MARKUP = [
    (re.compile(r"^\s*(?:[-*+]|\d+\.)\s+"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
]
# A token is garbled when letters and digits interleave ("UDQ3HUVVRQ") or it holds
# characters no Swedish text has (private use area, replacement character, controls).
# Web addresses and hexadecimal identifiers interleave letters and digits legitimately.
_GARBLED_TOKEN = re.compile(
    r"[^\W\d_]{2,}\d+[^\W\d_]{2,}|[\ue000-\uf8ff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f]"
)
_NOT_WORDS = re.compile(r"[/@]|^(?:https?:|www\.)|^[0-9a-fA-F]+$")


def is_garbled(text: str) -> bool:
    """True for a line whose text layer is a broken font encoding, not words."""
    if not _GARBLED_TOKEN.search(text):
        return False
    tokens = text.split()
    garbled = sum(
        1 for token in tokens if _GARBLED_TOKEN.search(token) and not _NOT_WORDS.search(token)
    )
    return garbled > 0 and garbled * 3 >= len(tokens)


def _assemble(
    source: SourceFile, meta: DocumentMeta, layout: Layout, n_pages: int | None
) -> ExtractedDocument:
    """Lay paragraphs out as one text, recording paragraph and page spans."""
    parts: list[str] = []
    paragraphs: list[Paragraph] = []
    page_spans: dict[int, list[int]] = {}
    offset = 0
    for laid in layout.paragraphs:
        if parts:
            parts.append(PARAGRAPH_BREAK)
            offset += len(PARAGRAPH_BREAK)
        start = offset
        for page, piece in laid.pieces:
            span = page_spans.setdefault(page, [offset, offset])
            span[1] = offset + len(piece)
            parts.append(piece)
            offset += len(piece)
        paragraphs.append(Paragraph(start, offset, laid.kind, tuple(laid.pages)))
    pages = tuple(Page(number, start, end) for number, (start, end) in page_spans.items())
    return ExtractedDocument(
        source=source,
        meta=meta,
        text="".join(parts),
        pages=pages,
        paragraphs=tuple(paragraphs),
        n_pages=n_pages,
        furniture=layout.furniture,
    )


def _meta_with_pdf_info(meta: DocumentMeta, info: dict[str, str]) -> DocumentMeta:
    """Fill a missing title and year from the PDF's own metadata."""
    title = meta.title or info.get("Title", "").strip() or None
    year = meta.year
    created = info.get("CreationDate", "")
    if year is None and (match := re.match(r"D:(\d{4})", created)):
        year = int(match.group(1))
    return replace(meta, title=title, year=year)


def _repair_pages(
    source: SourceFile, pages: Sequence[PageLines], image_pages: Sequence[int], ocr: bool
) -> tuple[list[PageLines], list[int], list[int]]:
    """OCR pages without text or with a garbled text layer, if OCR is on and installed.

    Returns:
        The pages to lay out, the pages that were OCR'd, and the garbled pages
        that could not be OCR'd (their garbled lines are dropped).
    """
    repaired, ocr_done, garbled_left = [], [], []
    for page in pages:
        page_text = "\n".join(line.text for line in page.lines)  # no garbled token spans lines
        garbled = (
            [line for line in page.lines if is_garbled(line.text)]
            if _GARBLED_TOKEN.search(page_text)
            else []
        )
        needs_ocr = page.number in image_pages or bool(garbled)
        if needs_ocr and ocr and ocr_available():
            repaired.append(ocr_page(source.abs_path, page.number))
            ocr_done.append(page.number)
        elif garbled:
            kept = tuple(line for line in page.lines if line not in garbled)
            repaired.append(replace(page, lines=kept))
            garbled_left.append(page.number)
        else:
            repaired.append(page)
    return repaired, ocr_done, garbled_left


def extract_pdf(source: SourceFile, backend: str = "pdfium", ocr: bool = True) -> ExtractedDocument:
    """Extract a PDF's clean text without running headers, footers or page numbers.

    Args:
        source: The PDF.
        backend: A registered PDF backend.
        ocr: OCR pages without a text layer or with a garbled one, if Tesseract is installed.

    Raises:
        InputError: The PDF cannot be read, or no page has text (and OCR is
            off or not installed for the scanned ones).
    """
    _, read = PDF_BACKENDS[backend]
    raw = read(source.abs_path, source.path)
    pages, ocr_done, garbled_left = _repair_pages(source, raw.pages, raw.image_pages, ocr)
    if sum(len(line.text) for page in pages for line in page.lines) < MIN_TEXT_CHARS:
        state = "off" if not ocr else "not installed" if not ocr_available() else "without result"
        raise InputError(
            Errors.NO_TEXT_LAYER, path=source.path, n_pages=raw.n_pages, ocr_state=state
        )
    unread = {number: "scanned page; OCR is off or not installed" for number in raw.image_pages}
    unread = {n: m for n, m in unread.items() if n not in ocr_done} | raw.failed_pages
    document = _assemble(
        source, _meta_with_pdf_info(source.meta, raw.metadata), lay_out(pages), raw.n_pages
    )
    return replace(
        document,
        ocr_pages=tuple(ocr_done),
        garbled_pages=tuple(garbled_left),
        failed_pages=tuple(sorted(unread.items())),
    )


def _text_paragraphs(text: str, markdown: bool) -> Iterator[tuple[str, str]]:
    """Yield (kind, text) of each blank-line separated paragraph."""
    for block in re.split(r"\n\s*\n", text):
        kind = "heading" if markdown and _MD_HEADING.match(block.lstrip()) else "prose"
        lines = []
        for line in block.splitlines():
            if markdown:
                line = _MD_HEADING.sub("", line)
                for pattern, replacement in _MD_MARKUP:
                    line = pattern.sub(replacement, line)
            if line := clean_line(re.sub(r" {2,}", " ", line)):
                lines.append(line)
        if lines:
            yield kind, " ".join(lines)


def extract_text(source: SourceFile) -> ExtractedDocument:
    """Extract a UTF-8 ``.txt`` or ``.md`` file; blank lines separate paragraphs.

    Raises:
        InputError: The file is empty, not UTF-8, or holds only white space.
    """
    data = source.abs_path.read_bytes()
    if not data:
        raise InputError(Errors.EMPTY_FILE, path=source.path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            Errors.NOT_UTF8,
            path=source.path,
            byte=data[error.start : error.start + 1],
            offset=error.start,
        ) from error
    paragraphs = list(_text_paragraphs(text, source.path.endswith(".md")))
    if not paragraphs:
        raise InputError(Errors.NO_TEXT, path=source.path)
    parts, spans, offset = [], [], 0
    for kind, paragraph in paragraphs:
        spans.append(Paragraph(offset, offset + len(paragraph), kind))
        parts.append(paragraph)
        offset += len(paragraph) + len(PARAGRAPH_BREAK)
    full_text = PARAGRAPH_BREAK.join(parts)
    return ExtractedDocument(
        source=source,
        meta=source.meta,
        text=full_text,
        pages=(Page(None, 0, len(full_text)),),
        paragraphs=tuple(spans),
        n_pages=None,
    )


def extract(source: SourceFile, backend: str = "pdfium", ocr: bool = True) -> ExtractedDocument:
    """Extract any supported source file.

    Raises:
        InputError: The file cannot be read as its kind.
    """
    if not source.abs_path.exists():
        raise InputError(Errors.FILE_VANISHED, path=source.path)
    if source.kind == "pdf":
        return extract_pdf(source, backend, ocr)
    return extract_text(source)
