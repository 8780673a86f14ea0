"""Layout: from positioned text lines to paragraphs in reading order, with their kind.

Every PDF backend (pdfium, pdfplumber, OCR) hands this module the same thing:
per page, the text lines in the order the PDF draws them, each with its box.
This module removes running headers, footers and page numbers, rebuilds
paragraphs from lines (vertical gaps, indents, short last lines, font-size
changes), undoes line-end hyphenation where a lexicon says the joined word is a
word, joins paragraphs that run on across a column or page break, and marks
each paragraph as prose, heading, caption, table of contents or reference.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.dictionary import is_known

ParagraphKind = Literal["prose", "heading", "caption", "toc", "reference"]
SENTENCE_KINDS: frozenset[str] = frozenset({"prose", "heading", "caption"})

_EDGE_ZONE = 0.09  # share of the page height where running headers and footers live
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:(?:sid(?:an?)?|s\.|page)\s*)?\d{1,4}(?:\s*(?:\(|av|/|of)\s*\d{1,4}\)?)?[\W_]*$",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_TERMINAL = (".", "!", "?", ":", ";", "”", '"', "»", ")")
_HYPHENS = ("-", "\u00ad", "\ufffe", "\x02")
_KEEP_HYPHEN_BEFORE = frozenset({"och", "eller", "samt", "till", "respektive", "resp", "som"})
# A table-of-contents line: dot leaders or a wide gap before a page number.
TOC_LINE = re.compile(r"(?:\.\s?){3,}\s*\d{1,4}\s*$|…+\s*\d{1,4}\s*$|\s{2,}\d{1,4}\s*$")
_TOC_HEADING = re.compile(r"^(innehåll|innehållsförteckning|contents)$", re.IGNORECASE)
_REFERENCE_HEADING = re.compile(
    r"^(\d+(\.\d+)*\s+)?(referenser|referenslista|källor|källförteckning|litteratur|"
    r"litteraturförteckning|litteratur- och källförteckning|references)$",
    re.IGNORECASE,
)
_REFERENCE_ENTRY = re.compile(
    r"^[A-ZÅÄÖ][\w\-']+,\s+(?:[A-ZÅÄÖ]\.\s?)+.*\(?\b(19|20)\d\d[a-z]?\)?|^https?://|^\[\d+\]\s"
)
_CAPTION = re.compile(r"^(figur|fig\.|tabell|bild|diagram|karta|foto|källa)\s*\d*\s*[.:–-]", re.I)
_NUMBERED_HEADING = re.compile(r"^\d+(\.\d+)*\.?\s+\S")


@dataclass(frozen=True)
class TextLine:
    """One line of text and its box, in points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        """Line height, a proxy for the font size."""
        return self.bottom - self.top


@dataclass(frozen=True)
class PageLines:
    """The lines of one page in drawing order, with the page's size."""

    number: int
    width: float
    height: float
    lines: tuple[TextLine, ...]


@dataclass
class LaidParagraph:
    """A paragraph in reading order: its text pieces per page and its kind."""

    kind: ParagraphKind
    pieces: list[tuple[int, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The paragraph's text (pieces are joined when the paragraph is built)."""
        return "".join(piece for _, piece in self.pieces)

    @property
    def pages(self) -> list[int]:
        """Page numbers the paragraph is on."""
        return sorted({page for page, _ in self.pieces})


@dataclass(frozen=True)
class Layout:
    """A document's paragraphs and the header and footer lines removed from it."""

    paragraphs: list[LaidParagraph]
    furniture: tuple[str, ...]


def is_word(word: str) -> bool:
    """True when the Swedish lexicon knows ``word`` (any case)."""
    return is_known(word)


def join_hyphenated(left: str, right: str) -> str:
    """Join a line with the next, undoing line-end hyphenation where it splits a word.

    A soft hyphen always joins. A hard hyphen stays after a single letter or a
    digit ("e-post", "2019-2020"); otherwise it joins when the lexicon knows the
    joined word. It stays after an acronym ("NPM-reformer") and before a
    capital, and stays with a space before a conjunction ("kort- och
    långsiktiga"). In every other case hyphenation split a word, which is
    joined ("tillits-" + "baserad").
    """
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not left.endswith(_HYPHENS):
        return f"{left} {right}"
    stem = left[:-1]
    if left[-1] != "-":
        return stem + right
    head = re.search(r"([^\W\d_]+)$", stem)
    tail = re.match(r"([^\W\d_]+)", right)
    if not head or not tail:
        return left + right
    first, second = head.group(1), tail.group(1)
    if len(first) == 1:  # hyphenation never leaves one letter behind: "e-post"
        return left + right
    if is_word(first + second):
        return stem + right
    if second.lower() in _KEEP_HYPHEN_BEFORE:
        return f"{left} {right}"
    if first.isupper() or second[0].isupper():
        return left + right
    return stem + right


def _normalise_edge(text: str) -> str:
    return _DIGITS.sub("#", text.strip().lower())


def _in_edge_zone(line: TextLine, page: PageLines) -> bool:
    zone = _EDGE_ZONE * page.height
    return line.bottom <= zone or line.top >= page.height - zone


def find_furniture(pages: Sequence[PageLines]) -> set[str]:
    """Normalised texts of lines repeated in the header or footer zone of many pages."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_normalise_edge(ln.text) for ln in page.lines if _in_edge_zone(ln, page)})
    needed = max(2, round(0.4 * len(pages)))
    return {text for text, count in counts.items() if count >= needed and text}


def _body(page: PageLines, furniture: set[str]) -> tuple[list[TextLine], list[str]]:
    body, removed = [], []
    for line in page.lines:
        edge = _in_edge_zone(line, page)
        if edge and (_normalise_edge(line.text) in furniture or _PAGE_NUMBER.match(line.text)):
            removed.append(line.text.strip())
        elif line.text.strip():
            body.append(line)
    return body, removed


def _median(values: Iterable[float], default: float) -> float:
    values = list(values)
    return statistics.median(values) if values else default


def _column_edges(lines: Sequence[TextLine], page_width: float) -> list[tuple[float, float]]:
    """(left, right) of each line's column; columns are lines that start near each other."""
    clusters: list[list[int]] = []
    for start in sorted({round(line.x0) for line in lines}):
        if clusters and start - clusters[-1][1] <= 0.2 * page_width:
            clusters[-1][1] = start
        else:
            clusters.append([start, start])
    column_of = [
        next(i for i, (low, high) in enumerate(clusters) if low <= round(line.x0) <= high)
        for line in lines
    ]
    edges = {}
    for column in set(column_of):
        members = [line for line, c in zip(lines, column_of, strict=True) if c == column]
        rights = sorted(line.x1 for line in members)
        edges[column] = (min(line.x0 for line in members), rights[int(0.9 * (len(rights) - 1))])
    return [edges[column] for column in column_of]


def _untangle_columns(lines: Sequence[TextLine], page_width: float) -> list[TextLine]:
    """Put lines of side-by-side columns in column order if the PDF draws them row by row.

    Most PDFs draw one column after the other, and their order is kept. A page
    where most lines are followed, on the same baseline and across a gap, by
    another line at least a quarter of the page wide draws its text columns row
    by row (a table or a list of terms and definitions has short cells and is
    left alone); its lines are sorted by column, then from the top.
    """
    wide = 0.25 * page_width
    jumps = [
        line.x0
        for previous, line in itertools.pairwise(lines)
        if abs(line.top - previous.top) < 0.3 * max(previous.height, 1.0)
        and line.x0 - previous.x1 > 0.5 * max(previous.height, 1.0)
        and previous.x1 - previous.x0 > wide
        and line.x1 - line.x0 > wide
    ]
    if len(jumps) < 5 or len(jumps) * 2.5 < len(lines):
        return list(lines)
    gutter = min(jumps) - 1.0
    return sorted(lines, key=lambda line: (line.x0 >= gutter, line.top))


def _merge_baselines(lines: Sequence[TextLine]) -> list[TextLine]:
    """Merge consecutive pieces of one visual line (a label and its text, say)."""
    merged: list[TextLine] = []
    for line in lines:
        previous = merged[-1] if merged else None
        if (
            previous
            and abs(line.top - previous.top) < 0.3 * max(previous.height, 1.0)
            and line.x0 >= previous.x1 - 1.0
        ):
            merged[-1] = TextLine(
                f"{previous.text.rstrip()} {line.text.lstrip()}",
                previous.x0,
                line.x1,
                min(previous.top, line.top),
                max(previous.bottom, line.bottom),
            )
        else:
            merged.append(line)
    return merged


def _split_page(page: PageLines, lines: list[TextLine]) -> list[tuple[list[TextLine], bool]]:
    """Group a page's body lines into raw paragraphs.

    Returns:
        (lines, starts_region) pairs; ``starts_region`` is true for the first
        paragraph of the page and of every further column.
    """
    if not lines:
        return []
    height = _median((line.height for line in lines), 10.0)
    steps = [b.top - a.top for a, b in itertools.pairwise(lines)]
    pitch = _median((s for s in steps if 0.5 * height < s < 3 * height), 1.2 * height)
    edges = _column_edges(lines, page.width)
    groups: list[tuple[list[TextLine], bool]] = [([lines[0]], True)]
    for index in range(1, len(lines)):
        previous, line = lines[index - 1], lines[index]
        (left, right), (previous_left, previous_right) = edges[index], edges[index - 1]
        step = line.top - previous.top
        width = max(right - left, 1.0)
        previous_short = previous.x1 < previous_right - max(2.5 * height, 0.08 * width)
        new_column = step <= 0.3 * height  # the next line is higher up: a new column
        mid_sentence = not previous.text.rstrip().endswith(_TERMINAL) and line.text[:1].islower()
        starts_new = (
            new_column
            or step > 1.45 * pitch
            or TOC_LINE.search(previous.text) is not None
            or (
                not mid_sentence
                and (
                    abs(line.height - previous.height) > 0.2 * height
                    or (
                        line.x0 - left > 1.2 * height and previous.x0 - previous_left < 0.5 * height
                    )
                    or (previous_short and previous.text.rstrip().endswith(_TERMINAL))
                    or (previous_short and _looks_like_heading(previous.text))
                )
            )
        )
        if starts_new:
            groups.append(([line], new_column))
        else:
            groups[-1][0].append(line)
    return groups


def _looks_like_heading(text: str) -> bool:
    text = text.strip()
    return (
        0 < len(text) <= 120
        and not text.endswith((".", ",", ";", ":", "-"))
        and (text[0].isupper() or _NUMBERED_HEADING.match(text) is not None)
    )


def _kind(lines: list[TextLine], body_height: float, section: str | None) -> ParagraphKind:
    """Classify a raw paragraph; ``section`` is "toc" or "reference" under such headings."""
    texts = [line.text.strip() for line in lines]
    joined = " ".join(texts)
    if sum(1 for text in texts if TOC_LINE.search(text)) * 2 >= len(texts):
        return "toc"
    if section == "toc" and re.search(r"\s\d{1,4}$", joined):
        return "toc"
    if section == "reference" or _REFERENCE_ENTRY.match(joined):
        return "reference"
    if _CAPTION.match(joined):
        return "caption"
    larger = _median((line.height for line in lines), body_height) > 1.15 * body_height
    short = len(joined) < 80 or _NUMBERED_HEADING.match(joined) is not None
    if len(lines) <= 2 and _looks_like_heading(joined) and (larger or short):
        return "heading"
    return "prose"


def _join_lines(lines: Sequence[TextLine]) -> str:
    text = ""
    for line in lines:
        text = join_hyphenated(text, line.text.strip()) if text else line.text.strip()
    return text


def _continues(previous: LaidParagraph, text: str) -> bool:
    """True when ``text`` runs on from ``previous`` across a column or page break."""
    last = previous.text.rstrip()
    return (
        previous.kind in {"prose", "heading"}
        and bool(last)
        and not last.endswith(_TERMINAL)
        and text[:1].islower()
    )


def _run_on(paragraph: LaidParagraph, page: int, text: str) -> None:
    """Append ``text`` to a paragraph that continues on a new column or page."""
    paragraph.kind = "prose"  # a heading does not run on into the next column
    before = paragraph.text
    joined = join_hyphenated(before, text)
    if not joined.startswith(before):  # the line-end hyphen went
        last_page, last_piece = paragraph.pieces[-1]
        paragraph.pieces[-1] = (last_page, last_piece[:-1])
        before = before[:-1]
    paragraph.pieces.append((page, joined[len(before) :]))


def lay_out(pages: Sequence[PageLines]) -> Layout:
    """Turn each page's lines into a document's paragraphs in reading order."""
    furniture = find_furniture(pages)
    paragraphs: list[LaidParagraph] = []
    removed: dict[str, None] = {}
    section: str | None = None
    for page in pages:
        body, edge_lines = _body(page, furniture)
        removed.update(dict.fromkeys(edge_lines))
        body = _merge_baselines(_untangle_columns(body, page.width))
        body_height = _median((line.height for line in body), 10.0)
        for group, starts_region in _split_page(page, body):
            text = _join_lines(group)
            if paragraphs and starts_region and _continues(paragraphs[-1], text):
                _run_on(paragraphs[-1], page.number, text)
                continue
            kind = _kind(group, body_height, section)
            if kind == "heading":
                section = (
                    "toc"
                    if _TOC_HEADING.match(text)
                    else "reference"
                    if _REFERENCE_HEADING.match(text)
                    else None
                )
            paragraphs.append(LaidParagraph(kind=kind, pieces=[(page.number, text)]))
    return Layout(paragraphs=paragraphs, furniture=tuple(removed))
