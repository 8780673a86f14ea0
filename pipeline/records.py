"""Typed records passed between the stages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SourceKind = Literal["pdf", "text"]
LABELS: tuple[str, ...] = ("trust", "control", "detail")
CHUNK_SENTENCES = 2000  # sentences annotated, scored and written at once: bounds memory


@dataclass(frozen=True)
class DocumentMeta:
    """What is known about a document besides its text."""

    title: str | None = None
    organisation: str | None = None
    doc_type: str | None = None
    date: dt.date | None = None
    year: int | None = None


@dataclass(frozen=True)
class SourceFile:
    """One input file found by discover.

    Attributes:
        path: Path relative to the corpus folder, with forward slashes.
        abs_path: Absolute path on disk.
        sha256: Hex digest of the content; the document's ``doc_id``.
        kind: ``pdf`` or ``text``.
        meta: Metadata from the manifest or the file name.
        meta_hash: Digest of ``meta``, so a manifest edit counts as a change.
    """

    path: str
    abs_path: Path
    sha256: str
    kind: SourceKind
    meta: DocumentMeta
    meta_hash: str


@dataclass(frozen=True)
class Page:
    """A page's clean text inside the document text.

    Attributes:
        number: 1-based page number, or None for plain-text sources.
        start: Offset of the page's first character in the document text.
        end: Offset just past the page's last character.
    """

    number: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A paragraph's span in the document text and its kind.

    Attributes:
        kind: prose, heading, caption, toc or reference (see ``pipeline.layout``).
        pages: The pages it is on (empty for plain-text sources).
    """

    start: int
    end: int
    kind: str = "prose"
    pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class ExtractedDocument:
    """Clean text of one document, with page and paragraph provenance.

    Attributes:
        ocr_pages: Pages whose text came from OCR.
        garbled_pages: Pages with a garbled text layer that could not be OCR'd;
            their garbled lines are left out.
        failed_pages: (page, message) of pages the PDF backend could not read.
        furniture: Running header and footer lines removed from the text.
    """

    source: SourceFile
    meta: DocumentMeta
    text: str
    pages: tuple[Page, ...]
    paragraphs: tuple[Paragraph, ...]
    n_pages: int | None
    ocr_pages: tuple[int, ...] = ()
    garbled_pages: tuple[int, ...] = ()
    failed_pages: tuple[tuple[int, str], ...] = ()
    furniture: tuple[str, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """Return the page number that holds character ``offset``."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


@dataclass(frozen=True)
class Sentence:
    """One sentence, ``text == document.text[char_start:char_end]``."""

    idx: int
    page: int | None
    char_start: int
    char_end: int
    text: str


@dataclass(frozen=True)
class AnnotatedSentence:
    """A sentence with its tokens, lemmas and universal POS tags."""

    sentence: Sentence
    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    upos: tuple[str, ...]


@dataclass(frozen=True)
class LabelScores:
    """Probability and decision for each label of one sentence."""

    probabilities: dict[str, float]
    decisions: dict[str, bool]


@dataclass(frozen=True)
class Failure:
    """Why one input file could not be processed."""

    path: str
    sha256: str
    stage: str
    error_type: str
    message: str
    at: dt.datetime


@dataclass(frozen=True)
class DocumentResult:
    """The outcome of processing one file: counts and provenance on success, else a failure.

    ``page_failures`` are pages that could not be read in a document that
    otherwise was; they are stored as failure rows too.
    """

    source: SourceFile
    meta: DocumentMeta
    n_pages: int | None = None
    n_sentences: int = 0
    failure: Failure | None = None
    page_failures: tuple[Failure, ...] = ()
    ocr_pages: tuple[int, ...] = ()
    garbled_pages: tuple[int, ...] = ()
    failed_pages: tuple[int, ...] = ()
    furniture: tuple[str, ...] = ()
    ingested_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
