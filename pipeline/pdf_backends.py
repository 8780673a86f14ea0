"""PDF backends: read each page's positioned text lines for the layout module.

Two backends are registered, each versioned for provenance: ``pdfium``
(pypdfium2, fast; the default) and ``pdfplumber`` (pdfminer.six, slow). Both
give lines in the order the PDF draws them, which follows the columns in
almost all real documents, with boxes in points from the page's top-left.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.errors import Errors, InputError
from pipeline.layout import PageLines, TextLine

# pdfium is not thread-safe, not even for different documents: one call at a time per process.
PDFIUM_LOCK = threading.RLock()
_PDF_MAGIC = b"%PDF-"
_ENCRYPT_KEY = b"/Encrypt"
_EMPTY_PAGE_TREE = re.compile(rb"/Count\s+0\b")
_LINE_BREAK = re.compile(r"\r\n|\n|(?<=\ufffe)")
MIN_TEXT_CHARS = 20  # fewer characters than this on a page: no usable text layer
_CHAR_FIXES = str.maketrans(
    {"\t": " ", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\x02": "\ufffe",
     "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
)  # fmt: skip
_INNER_SOFT_HYPHEN = re.compile(r"[\u00ad\ufffe](?=.)")
# Symbol and Wingdings glyphs that pdfium reports in the private use area U+F0xx:
# Greek letters spelt as Greek, everything else (bullets, arrows, dashes) as a bullet.
_SYMBOL_GREEK = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ" + "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"
_SYMBOL_FONT = (
    {0xF000 + code: "•" for code in range(0x20, 0x100)}
    | {0xF041 + i: letter for i, letter in enumerate(_SYMBOL_GREEK[:26])}
    | {0xF061 + i: letter for i, letter in enumerate(_SYMBOL_GREEK[26:])}
)
_LINE_FIXES = _CHAR_FIXES | _SYMBOL_FONT  # no character of one maps to a character of the other


@dataclass
class RawPdf:
    """What a backend read from a PDF.

    Attributes:
        pages: Lines of every page that could be read, in page order.
        n_pages: Number of pages in the PDF.
        metadata: The PDF's document information (Title, CreationDate, …).
        image_pages: Pages with images but (almost) no text: candidates for OCR.
        failed_pages: Page number → the backend's error for pages it could not read.
    """

    pages: list[PageLines]
    n_pages: int
    metadata: dict[str, str]
    image_pages: list[int] = field(default_factory=list)
    failed_pages: dict[int, str] = field(default_factory=dict)


PdfBackend = Callable[[Path, str], RawPdf]
PDF_BACKENDS: dict[str, tuple[str, PdfBackend]] = {}


def register_backend(name: str, version: str) -> Callable[[PdfBackend], PdfBackend]:
    """Register a PDF backend under ``name`` with a version for provenance."""

    def decorate(read: PdfBackend) -> PdfBackend:
        PDF_BACKENDS[name] = (version, read)
        return read

    return decorate


def clean_line(text: str) -> str:
    """NFC, ligatures spelt out, plain spaces; a soft hyphen survives only at the end."""
    text = unicodedata.normalize("NFC", text.translate(_LINE_FIXES))
    return _INNER_SOFT_HYPHEN.sub("", text).strip()


def check_pdf_bytes(path: Path, label: str) -> None:
    """Refuse empty files and files that are not PDFs, before any backend sees them.

    Raises:
        InputError: EmptyFile or NotAPdf.
    """
    with path.open("rb") as handle:
        head = handle.read(1024)
    if not head:
        raise InputError(Errors.EMPTY_FILE, path=label)
    if _PDF_MAGIC not in head:
        raise InputError(Errors.NOT_A_PDF, path=label, head=head[:16].decode("latin-1"))


def unreadable(path: Path, label: str, error: Exception) -> InputError:
    """Say why a backend could not open a PDF.

    pdfium's error code is process-wide and is not reset when it refuses an
    empty page tree, so the file's own bytes decide between the cases.
    """
    data = path.read_bytes()
    if _ENCRYPT_KEY in data:
        return InputError(Errors.ENCRYPTED_PDF, path=label)
    if _EMPTY_PAGE_TREE.search(data):
        return InputError(Errors.NO_PAGES, path=label)
    return InputError(Errors.CORRUPT_PDF, path=label, detail=str(error) or type(error).__name__)


def _pdfium_lines(textpage: pdfium.PdfTextPage, page_height: float) -> list[TextLine]:
    text = textpage.get_text_range()
    last_index = textpage.count_chars() - 1
    lines = []
    start = 0
    for match in [*_LINE_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        segment = text[start:end]
        start = match.end() if match else end
        stripped = segment.strip()
        if not stripped:
            continue
        first = min(end - len(segment.lstrip()), last_index)
        last = min(end - (len(segment) - len(segment.rstrip())) - 1, last_index)
        left, bottom, _, top = textpage.get_charbox(first, loose=True)
        _, bottom_last, right, top_last = textpage.get_charbox(last, loose=True)
        lines.append(
            TextLine(
                text=clean_line(stripped),
                x0=left,
                x1=right,
                top=page_height - max(top, top_last),
                bottom=page_height - min(bottom, bottom_last),
            )
        )
    return lines


def _has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))


@register_backend("pdfium", version="2")
def read_pdfium(path: Path, label: str) -> RawPdf:
    """Read positioned lines of every page with pypdfium2, one page in memory at a time.

    Holds :data:`PDFIUM_LOCK` while it reads, so threads read PDFs one after another.

    Raises:
        InputError: The file is empty, not a PDF, corrupt, encrypted or has no pages.
    """
    check_pdf_bytes(path, label)
    with PDFIUM_LOCK:
        return _read_pdfium(path, label)


def _read_pdfium(path: Path, label: str) -> RawPdf:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise unreadable(path, label, error) from error
    try:
        if len(pdf) == 0:
            raise InputError(Errors.NO_PAGES, path=label)
        raw = RawPdf(pages=[], n_pages=len(pdf), metadata=_pdfium_metadata(pdf))
        for index in range(len(pdf)):
            number = index + 1
            try:
                page = pdf[index]
            except pdfium.PdfiumError as error:
                raw.failed_pages[number] = str(error)
                continue
            try:
                width, height = page.get_size()
                textpage = page.get_textpage()
                lines = _pdfium_lines(textpage, height)
                textpage.close()
                if sum(len(line.text) for line in lines) < MIN_TEXT_CHARS and _has_images(page):
                    raw.image_pages.append(number)
                raw.pages.append(PageLines(number, width, height, tuple(lines)))
            except pdfium.PdfiumError as error:
                raw.failed_pages[number] = str(error)
            finally:
                page.close()
    finally:
        pdf.close()
    return raw


def _pdfium_metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    return {key: value for key, value in pdf.get_metadata_dict().items() if value}


def _words_to_lines(words: list[dict[str, Any]]) -> list[TextLine]:
    lines: list[TextLine] = []
    for word in words:
        text, x0, x1 = str(word["text"]), float(word["x0"]), float(word["x1"])
        top, bottom = float(word["top"]), float(word["bottom"])
        previous = lines[-1] if lines else None
        same_line = (
            previous is not None
            and abs(top - previous.top) < 0.5 * (previous.bottom - previous.top)
            and x0 >= previous.x1 - 1.0
        )
        if previous is not None and same_line:
            lines[-1] = TextLine(
                f"{previous.text} {text}", previous.x0, x1, min(previous.top, top),
                max(previous.bottom, bottom),
            )  # fmt: skip
        else:
            lines.append(TextLine(text, x0, x1, top, bottom))
    return [
        TextLine(clean_line(line.text), line.x0, line.x1, line.top, line.bottom) for line in lines
    ]


@register_backend("pdfplumber", version="1")
def read_pdfplumber(path: Path, label: str) -> RawPdf:
    """Read positioned lines of every page with pdfplumber, in the PDF's drawing order.

    Pages are created one at a time (``pdf.pages`` would build and keep them
    all), so memory stays bounded and a page that fails to read does not stop
    the others; only a page whose dictionary pdfminer cannot parse ends the
    document there.

    Raises:
        InputError: The file is empty, not a PDF, corrupt, encrypted or has no pages.
    """
    import pdfplumber
    from pdfminer.pdfpage import PDFPage
    from pdfplumber.page import Page

    check_pdf_bytes(path, label)
    try:
        pdf = pdfplumber.open(path)
    except OSError:
        raise
    except Exception as error:  # pdfminer has no common base class for bad files
        raise unreadable(path, label, error) from error
    with pdf:
        info = pdf.metadata or {}
        metadata = {str(k): str(v) for k, v in info.items() if isinstance(v, str) and v}
        raw = RawPdf(pages=[], n_pages=0, metadata=metadata)
        page_objects = PDFPage.create_pages(pdf.doc)
        while True:
            number = raw.n_pages + 1
            try:
                page_object = next(page_objects, None)
            except Exception as error:  # noqa: BLE001 - pdfminer cannot go on past this page
                raw.failed_pages[number] = f"{type(error).__name__}: {error} (pages after it lost)"
                break
            if page_object is None:
                break
            raw.n_pages = number
            try:
                page = Page(pdf, page_object, page_number=number, initial_doctop=0)
                words = page.extract_words(use_text_flow=True, keep_blank_chars=False)
                lines = _words_to_lines(words)
                if sum(len(line.text) for line in lines) < MIN_TEXT_CHARS and page.images:
                    raw.image_pages.append(number)
                size = (float(page.width), float(page.height))
                raw.pages.append(PageLines(number, *size, tuple(lines)))
                page.close()
            except Exception as error:  # noqa: BLE001 - one bad page must not lose the others
                raw.failed_pages[number] = f"{type(error).__name__}: {error}"
        if raw.n_pages == 0:
            raise InputError(Errors.NO_PAGES, path=label)
    return raw
