"""Segment: split a document's paragraphs into Swedish sentences with offsets."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipeline.layout import SENTENCE_KINDS, TOC_LINE
from pipeline.records import ExtractedDocument, Sentence
from pipeline.swedish import ABBREVIATIONS, UPPER_START

# End punctuation, closing quotes or brackets, then white space and a likely sentence start.
_BOUNDARY = re.compile(r"(?P<end>[.!?…]+)[\"”’»)\]]*\s+(?=[\"”'«(–\-§\d" + UPPER_START + r"])")
_WORD_BEFORE = re.compile(r"(\S+)$")
_HAS_LETTER = re.compile(r"[^\W\d_]")
BULLET = re.compile(r"(?:^|\s)(?P<mark>[•▪●■◦])\s+")


def _is_abbreviation(prefix: str) -> bool:
    """True when the period that ends ``prefix`` belongs to an abbreviation or initial."""
    match = _WORD_BEFORE.search(prefix)
    if not match:
        return False
    word = match.group(1).lstrip("(\"'«").lower()
    if word in ABBREVIATIONS:
        return True
    letters = word[:-1]
    return len(letters) == 1 and letters.isalpha()


def split_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each sentence in ``text``, trimmed of white space.

    Bullets (•) inside a paragraph end the sentence before them.
    """
    piece_start = 0
    for bullet in [*BULLET.finditer(text), None]:
        piece_end = bullet.start() if bullet else len(text)
        yield from _sentences_in(text, piece_start, piece_end)
        if bullet:
            piece_start = bullet.end()


def _sentences_in(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for match in _BOUNDARY.finditer(text, start, end):
        end_of_sentence = match.start("end") + len(match.group("end"))
        if match.group("end") == "." and _is_abbreviation(
            text[max(start, end_of_sentence - 40) : end_of_sentence]
        ):
            continue
        yield from _trimmed(text, start, match.end())
        start = match.end()
    yield from _trimmed(text, start, end)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def is_prose(text: str) -> bool:
    """False for pieces that are not running text: no letters, or a table-of-contents line."""
    return bool(_HAS_LETTER.search(text)) and not TOC_LINE.search(text)


def segment(document: ExtractedDocument) -> list[Sentence]:
    """Split the prose, headings and captions of ``document`` into sentences, numbered from 0.

    Tables of contents and reference lists are not running text and give no sentences.

    Each sentence's ``text`` equals ``document.text[char_start:char_end]``.
    """
    sentences: list[Sentence] = []
    for paragraph in document.paragraphs:
        if paragraph.kind not in SENTENCE_KINDS:
            continue
        body = document.text[paragraph.start : paragraph.end]
        for start, end in split_spans(body):
            text = body[start:end]
            if not is_prose(text):
                continue
            char_start = paragraph.start + start
            sentences.append(
                Sentence(
                    idx=len(sentences),
                    page=document.page_at(char_start),
                    char_start=char_start,
                    char_end=paragraph.start + end,
                    text=text,
                )
            )
    return sentences
