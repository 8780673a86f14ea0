"""spaCy components: sediment's Swedish sentence splitter and lemmatiser.

Registered with spaCy (also through the ``spacy_factories`` entry point), so
that any spaCy pipeline can use them::

    nlp = spacy.blank("sv")
    nlp.add_pipe("sediment_sentencizer")
    nlp.add_pipe("sediment_lemmatizer")
    doc = nlp("Nämnderna beslöt bl.a. att styrdokumenten ska följas upp.")
    [(t.text, t.lemma_, t.pos_) for t in doc]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

import numpy as np
from spacy.attrs import IDX, LEMMA, POS, SENT_START
from spacy.language import Language
from spacy.parts_of_speech import IDS as UNIVERSAL_POS
from spacy.tokens import Doc
from spacy.util import minibatch

from pipeline.annotate import load_annotator
from pipeline.segment import split_spans
from pipeline.settings import Settings

COMPONENT_VERSION = "1"
_PARAGRAPH = re.compile(r"\S.*?(?=\n\s*\n|\Z)", re.DOTALL)


class SedimentLemmatizer:
    """Sets ``token.pos_`` and ``token.lemma_`` with sediment's Swedish annotator."""

    def __init__(self, annotator_dir: str) -> None:
        self.annotator = load_annotator(annotator_dir)
        self.version = f"{COMPONENT_VERSION}+{self.annotator.version}"

    def __call__(self, doc: Doc) -> Doc:
        """Tag and lemmatise every sentence (the whole doc if it has no sentences)."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Tag and lemmatise docs, the sentences of ``batch_size`` docs in one batch."""
        for batch in minibatch(docs, batch_size):
            words = [[token.text for token in doc] for doc in batch]
            spans = [list(itertools.pairwise([*_sentence_starts(doc), len(doc)])) for doc in batch]
            analysed = iter(
                self.annotator.annotate_batch(
                    [doc_words[start:end] for doc_words, doc_spans in zip(words, spans, strict=True)
                     for start, end in doc_spans]
                )
            )  # fmt: skip
            for doc, doc_spans in zip(batch, spans, strict=True):
                strings = doc.vocab.strings
                values = np.zeros((len(doc), 2), dtype="uint64")
                for start, _ in doc_spans:
                    lemmas, tags = next(analysed)
                    for i, (lemma, tag) in enumerate(zip(lemmas, tags, strict=True), start=start):
                        values[i] = (strings.add(lemma), UNIVERSAL_POS[tag])
                doc.from_array([LEMMA, POS], values)
                yield doc


def _sentence_starts(doc: Doc) -> list[int]:
    """Token indices where sentences start; the whole doc is one sentence if none are set."""
    if not doc.has_annotation("SENT_START") or not len(doc):
        return [0] if len(doc) else []
    return np.flatnonzero(doc.to_array([SENT_START]) == 1).tolist()


@Language.factory(
    "sediment_lemmatizer",
    default_config={"annotator_dir": Settings.annotator_dir},
    assigns=["token.lemma", "token.pos"],
)
def make_lemmatizer(nlp: Language, name: str, annotator_dir: str) -> SedimentLemmatizer:
    """Create the lemmatiser component from an annotator folder."""
    return SedimentLemmatizer(annotator_dir)


@Language.component("sediment_sentencizer", assigns=["token.is_sent_start"])
def sentencize(doc: Doc) -> Doc:
    """Start sentences where sediment's segmenter does, and at blank lines.

    Abbreviations such as "bl.a." and "t.ex." stay inside their sentence.
    """
    starts = {
        paragraph.start() + start
        for paragraph in _PARAGRAPH.finditer(doc.text)
        for start, _ in split_spans(paragraph.group())
    }
    flags = [
        [1 if i == 0 or idx in starts else -1] for i, idx in enumerate(doc.to_array(IDX).tolist())
    ]
    doc.from_array([SENT_START], np.array(flags, dtype="int32").astype("uint64"))
    return doc


def swedish_pipeline(annotator_dir: str = Settings.annotator_dir) -> Language:
    """A blank Swedish spaCy pipeline with sediment's sentencizer and lemmatiser."""
    import spacy

    nlp = spacy.blank("sv")
    nlp.add_pipe("sediment_sentencizer")
    nlp.add_pipe("sediment_lemmatizer", config={"annotator_dir": annotator_dir})
    return nlp
