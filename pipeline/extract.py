"""Extract: turn a PDF or text file into clean text with page provenance."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pypdfium2 as pdfium

from pipeline.errors import Errors, InputError
from pipeline.records import DocumentMeta, ExtractedDocument, Page, Paragraph, SourceFile

PARAGRAPH_BREAK = "\n\n"
_PDF_MAGIC = b"%PDF-"
_ENCRYPT_KEY = b"/Encrypt"
_EMPTY_PAGE_TREE = re.compile(rb"/Count\s+0\b")
_MIN_CHARS_PER_TEXT_PAGE = 20
# Soft hyphens and pdfium's line-break hyphen marker go; ligatures and odd spaces are spelt out.
_CHAR_FIXES = str.maketrans(
    {"\u00ad": "", "\ufffe": "", "\x02": "-", "\t": " ", "\u00a0": " ", "\u2002": " ",
     "\u2003": " ", "\u2009": " ", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl",
     "\ufb03": "ffi", "\ufb04": "ffl"}
)  # fmt: skip
_PAGE_NUMBER = re.compile(
    r"^\W*(?:sid(?:an?)?\.?\s*)?\d{1,4}(?:\s*(?:\(|av|/)\s*\d{1,4}\)?)?\W*$", re.I
)
_SENTENCE_END = (".", "!", "?", ":", ";")
_DIGITS = re.compile(r"\d+")
_KEEP_HYPHEN_BEFORE = frozenset({"och", "eller", "samt", "till", "som", "resp", "respektive"})
_MD_MARKUP = [
    (re.compile(r"^#{1,6}\s+"), ""),
    (re.compile(r"^\s*(?:[-*+]|\d+\.)\s+"), ""),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
]

PdfBackend = Callable[[Path, str], "PdfPages"]
PDF_BACKENDS: dict[str, tuple[str, PdfBackend]] = {}


@dataclass(frozen=True)
class PdfPages:
    """Raw text lines per page from a PDF backend, and the PDF's own metadata."""

    pages: list[list[str]]
    metadata: dict[str, str]


def register_backend(name: str, version: str) -> Callable[[PdfBackend], PdfBackend]:
    """Register a PDF text backend under ``name`` with a version for provenance."""

    def decorate(read: PdfBackend) -> PdfBackend:
        PDF_BACKENDS[name] = (version, read)
        return read

    return decorate


def normalise(text: str) -> str:
    """NFC, no soft hyphens or ligatures, plain spaces."""
    return unicodedata.normalize("NFC", text.translate(_CHAR_FIXES))


def _check_pdf_bytes(path: Path, label: str) -> None:
    with path.open("rb") as handle:
        head = handle.read(1024)
    if not head:
        raise InputError(Errors.EMPTY_FILE, path=label)
    if _PDF_MAGIC not in head:
        raise InputError(Errors.NOT_A_PDF, path=label, head=head[:16].decode("latin-1"))


@register_backend("pdfium", version="1")
def read_pdfium(path: Path, label: str) -> PdfPages:
    """Read each page's text lines with pypdfium2.

    Raises:
        InputError: The file is empty, not a PDF, corrupt, encrypted or has no pages.
    """
    _check_pdf_bytes(path, label)
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        raise _unreadable(path, label, error) from error
    try:
        if len(pdf) == 0:
            raise InputError(Errors.NO_PAGES, path=label)
        pages = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().splitlines())
            textpage.close()
            page.close()
        metadata = {key: value for key, value in pdf.get_metadata_dict().items() if value}
    finally:
        pdf.close()
    return PdfPages(pages=pages, metadata=metadata)


def _unreadable(path: Path, label: str, error: pdfium.PdfiumError) -> InputError:
    """Say why pdfium could not open a PDF.

    pdfium's error code is process-wide and is not reset when it refuses an
    empty page tree, so the file's own bytes decide between the cases.
    """
    data = path.read_bytes()
    if _ENCRYPT_KEY in data:
        return InputError(Errors.ENCRYPTED_PDF, path=label)
    if _EMPTY_PAGE_TREE.search(data):
        return InputError(Errors.NO_PAGES, path=label)
    return InputError(Errors.CORRUPT_PDF, path=label, detail=str(error))


def _furniture(pages: list[list[str]]) -> set[str]:
    """Lines that repeat at the top or bottom of many pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edge = {_DIGITS.sub("#", line.strip()) for line in lines[:2] + lines[-2:] if line.strip()}
        counts.update(edge)
    return {line for line, count in counts.items() if count >= max(3, len(pages) // 2)}


def _hyphenated(left: str, right: str) -> bool:
    """True when ``left`` ends in a line-end hyphen that splits one word with ``right``."""
    return (
        left.endswith("-")
        and len(left) > 1
        and left[-2].isalpha()
        and right[:1].islower()
        and right.split(" ", 1)[0].strip(",.;:") not in _KEEP_HYPHEN_BEFORE
    )


def _join_lines(lines: list[str]) -> str:
    """Join a paragraph's lines, undoing line-end hyphenation of lower-case words."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif _hyphenated(text, line):
            text = text[:-1] + line
        else:
            text = f"{text} {line}"
    return text


def paragraphs_from_lines(lines: list[str]) -> list[str]:
    """Rebuild paragraphs from one page's lines.

    A line ends a paragraph when it is blank, or when it is clearly shorter than
    the page's full lines and ends a sentence or stands alone as a heading.
    """
    lines = [line.strip() for line in lines]
    lengths = [len(line) for line in lines if line]
    if not lengths:
        return []
    full = statistics.quantiles(lengths, n=5)[-1] if len(lengths) >= 5 else max(lengths)
    paragraphs: list[str] = []
    current: list[str] = []
    for index, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(_join_lines(current))
                current = []
            continue
        following = next((later for later in lines[index + 1 :] if later), "")
        short = len(line) < 0.75 * full
        ends_sentence = line.endswith(_SENTENCE_END)
        heading = short and not ends_sentence and following[:1].isupper() and line[-1] != "-"
        if heading and current and current[-1].endswith(_SENTENCE_END):
            paragraphs.append(_join_lines(current))
            current = []
        current.append(line)
        if short and (ends_sentence or heading):
            paragraphs.append(_join_lines(current))
            current = []
    if current:
        paragraphs.append(_join_lines(current))
    return paragraphs


def _assemble(
    source: SourceFile, meta: DocumentMeta, pages: list[tuple[int | None, list[str]]]
) -> ExtractedDocument:
    """Lay paragraphs out as one document text, recording page and paragraph spans."""
    parts: list[str] = []
    page_spans: list[Page] = []
    paragraph_spans: list[Paragraph] = []
    offset = 0
    for number, paragraphs in pages:
        page_start = None
        for index, paragraph in enumerate(paragraphs):
            previous = parts[-1] if parts else ""
            if (
                index == 0
                and previous
                and not previous.endswith(_SENTENCE_END)
                and (paragraph[:1].islower())
            ):
                # The paragraph runs on from the previous page.
                if _hyphenated(previous, paragraph):
                    parts[-1] = previous[:-1]
                    offset -= 1
                    last = page_spans[-1]
                    page_spans[-1] = Page(last.number, min(last.start, offset), offset)
                else:
                    parts.append(" ")
                    offset += 1
                page_start = offset
                parts.append(paragraph)
                offset += len(paragraph)
                paragraph_spans[-1] = Paragraph(paragraph_spans[-1].start, offset)
                continue
            if parts:
                parts.append(PARAGRAPH_BREAK)
                offset += len(PARAGRAPH_BREAK)
            page_start = offset if page_start is None else page_start
            paragraph_spans.append(Paragraph(offset, offset + len(paragraph)))
            parts.append(paragraph)
            offset += len(paragraph)
        start = offset if page_start is None else page_start
        page_spans.append(Page(number=number, start=start, end=offset))
    return ExtractedDocument(
        source=source,
        meta=meta,
        text="".join(parts),
        pages=tuple(page_spans),
        paragraphs=tuple(paragraph_spans),
        n_pages=sum(1 for number, _ in pages if number is not None) or None,
    )


def _meta_with_pdf_info(meta: DocumentMeta, info: dict[str, str]) -> DocumentMeta:
    """Fill a missing title and year from the PDF's own metadata."""
    title = meta.title or info.get("Title", "").strip() or None
    year = meta.year
    created = info.get("CreationDate", "")
    if year is None and (match := re.match(r"D:(\d{4})", created)):
        year = int(match.group(1))
    return replace(meta, title=title, year=year)


def extract_pdf(source: SourceFile, backend: str = "pdfium") -> ExtractedDocument:
    """Extract a PDF's clean text, page by page, without headers, footers or page numbers.

    Raises:
        InputError: The PDF cannot be read, or no page has a text layer.
    """
    _, read = PDF_BACKENDS[backend]
    raw = read(source.abs_path, source.path)
    pages = [[normalise(line) for line in lines] for lines in raw.pages]
    if all(sum(len(line.strip()) for line in lines) < _MIN_CHARS_PER_TEXT_PAGE for lines in pages):
        raise InputError(Errors.NO_TEXT_LAYER, path=source.path, n_pages=len(pages))
    furniture = _furniture(pages)
    cleaned = []
    for number, lines in enumerate(pages, start=1):
        body = [
            line
            for line in lines
            if _DIGITS.sub("#", line.strip()) not in furniture
            and not _PAGE_NUMBER.match(line.strip())
        ]
        cleaned.append((number, paragraphs_from_lines(body)))
    document = _assemble(source, _meta_with_pdf_info(source.meta, raw.metadata), cleaned)
    return replace(document, n_pages=len(pages))


def _text_paragraphs(text: str, markdown: bool) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", text):
        lines = []
        for line in block.splitlines():
            if markdown:
                for pattern, replacement in _MD_MARKUP:
                    line = pattern.sub(replacement, line)
            if line.strip():
                lines.append(re.sub(r" {2,}", " ", line.strip()))
        if lines:
            yield _join_lines(lines)


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
    paragraphs = list(_text_paragraphs(normalise(text), source.path.endswith(".md")))
    if not paragraphs:
        raise InputError(Errors.NO_TEXT, path=source.path)
    return _assemble(source, source.meta, [(None, paragraphs)])


def extract(source: SourceFile, backend: str = "pdfium") -> ExtractedDocument:
    """Extract any supported source file.

    Raises:
        InputError: The file cannot be read as its kind.
    """
    if not source.abs_path.exists():
        raise InputError(Errors.FILE_VANISHED, path=source.path)
    if source.kind == "pdf":
        return extract_pdf(source, backend)
    return extract_text(source)
