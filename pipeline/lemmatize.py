"""Lemmatisation backends behind one interface, for ``sediment lemmatize`` and evaluation.

``spacy`` (the default) is a blank Swedish spaCy pipeline with sediment's
registered components; ``stanza`` runs a Stanza model from a folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol

from spacy.attrs import IS_SPACE, LEMMA, ORTH, POS, SENT_START
from spacy.parts_of_speech import NAMES as UPOS_NAMES
from spacy.tokens import Doc

from pipeline.settings import Settings

Analysed = list[tuple[str, str, str]]  # one sentence: (token, lemma, upos)
_PARAGRAPHS = re.compile(r"\n\s*\n")


class Backend(Protocol):
    """Tokenizes, tags and lemmatises Swedish."""

    def analyse_text(self, text: str) -> list[Analysed]:
        """Split raw text into sentences of (token, lemma, upos)."""
        ...

    def analyse_tokens(self, sentences: Sequence[Sequence[str]]) -> list[Analysed]:
        """Tag and lemmatise sentences that are already tokenized, token for token."""
        ...


class SpacyBackend:
    """sediment's annotator inside a blank Swedish spaCy pipeline."""

    def __init__(self, annotator_dir: str = Settings.annotator_dir) -> None:
        from pipeline.spacy_components import swedish_pipeline

        self.nlp = swedish_pipeline(annotator_dir)
        self.lemmatizer = self.nlp.get_pipe("sediment_lemmatizer")

    def analyse_text(self, text: str) -> list[Analysed]:
        """Split raw text into sentences of (token, lemma, upos); white space is dropped.

        Paragraphs (blank-line separated) go through spaCy one at a time, so
        memory stays bounded however long the text is.
        """
        sentences: list[Analysed] = []
        strings = self.nlp.vocab.strings
        for doc in self.nlp.pipe(_PARAGRAPHS.split(text)):
            values = doc.to_array([ORTH, LEMMA, POS, SENT_START, IS_SPACE]).tolist()
            for i, (orth, lemma, pos, start, space) in enumerate(values):
                if start == 1 or i == 0:
                    sentences.append([])
                if not space:
                    sentences[-1].append((strings[orth], strings[lemma], UPOS_NAMES[pos]))
        return [sentence for sentence in sentences if sentence]

    def analyse_tokens(self, sentences: Sequence[Sequence[str]]) -> list[Analysed]:
        """Tag and lemmatise pre-tokenized sentences, token for token."""
        docs = (
            Doc(self.nlp.vocab, words=list(words), sent_starts=[True] + [False] * (len(words) - 1))
            for words in sentences
        )
        strings = self.nlp.vocab.strings
        return [
            [
                (strings[orth], strings[lemma], UPOS_NAMES[pos])
                for orth, lemma, pos in doc.to_array([ORTH, LEMMA, POS]).tolist()
            ]
            for doc in self.lemmatizer.pipe(docs)
        ]


BACKENDS: dict[str, Callable[[], Backend]] = {"spacy": SpacyBackend}


def read_vertical(lines: Iterable[str]) -> Iterator[list[str]]:
    """Read one token per line, blank lines between sentences."""
    sentence: list[str] = []
    for line in lines:
        token = line.strip()
        if token:
            sentence.append(token)
        elif sentence:
            yield sentence
            sentence = []
    if sentence:
        yield sentence


def write_vertical(sentences: Iterable[Analysed]) -> Iterator[str]:
    """Write ``token<TAB>lemma<TAB>upos`` lines, a blank line after each sentence."""
    for sentence in sentences:
        for token, lemma, upos in sentence:
            yield f"{token}\t{lemma}\t{upos}\n"
        yield "\n"
