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

import numpy as np
from spacy.attrs import IDX, LEMMA, POS, SENT_START
from spacy.language import Language
from spacy.parts_of_speech import IDS as UNIVERSAL_POS
from spacy.tokens import Doc

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
        words = [token.text for token in doc]
        if doc.has_annotation("SENT_START"):
            starts = [i for i, flag in enumerate(doc.to_array([SENT_START])) if flag == 1]
        else:
            starts = [0]
        strings = doc.vocab.strings
        values = np.zeros((len(words), 2), dtype="uint64")
        for start, end in itertools.pairwise([*starts, len(words)]):
            lemmas, tags = self.annotator.annotate_tokens(words[start:end])
            for i, (lemma, tag) in enumerate(zip(lemmas, tags, strict=True), start=start):
                values[i] = (strings.add(lemma), UNIVERSAL_POS[tag])
        doc.from_array([LEMMA, POS], values)
        return doc


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
    flags = np.array(
        [[1 if i == 0 or idx in starts else -1] for i, idx in enumerate(doc.to_array([IDX]))],
        dtype="int32",
    ).reshape(-1, 1)
    doc.from_array([SENT_START], flags.astype("uint64"))
    return doc


def swedish_pipeline(annotator_dir: str = Settings.annotator_dir) -> Language:
    """A blank Swedish spaCy pipeline with sediment's sentencizer and lemmatiser."""
    import spacy

    nlp = spacy.blank("sv")
    nlp.add_pipe("sediment_sentencizer")
    nlp.add_pipe("sediment_lemmatizer", config={"annotator_dir": annotator_dir})
    return nlp
