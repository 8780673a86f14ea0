"""spaCy components: sediment's Swedish tokenizer, sentence splitter and lemmatiser.

Registered with spaCy (also through the ``spacy_factories`` and
``spacy_tokenizers`` entry points), so that any spaCy pipeline can use them::

    nlp = spacy.blank("sv")
    nlp.add_pipe("sediment_sentencizer")
    nlp.add_pipe("sediment_lemmatizer")
    doc = nlp("Nämnderna beslöt bl.a. att styrdokumenten ska följas upp.")
    [(t.text, t.lemma_, t.pos_) for t in doc]

:func:`swedish_pipeline` builds the same with sediment's own tokenizer
(``@tokenizers = "sediment_tokenizer.v1"``), which tokenizes as the corpus
pipeline does and sets sentence starts itself.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from spacy.attrs import IDX, IS_SPACE, LEMMA, ORTH, POS, SENT_START
from spacy.language import Language
from spacy.parts_of_speech import IDS as UNIVERSAL_POS
from spacy.tokens import Doc
from spacy.util import minibatch, registry
from spacy.vocab import Vocab

from pipeline.annotate import SPACED_TOKEN, load_annotator
from pipeline.segment import BULLET, split_spans
from pipeline.settings import Settings

COMPONENT_VERSION = "1"
TOKENIZER = "sediment_tokenizer.v1"
_PARAGRAPH = re.compile(r"\S.*?(?=\n\s*\n|\Z)", re.DOTALL)


class SedimentLemmatizer:
    """Sets ``token.pos_`` and ``token.lemma_`` with sediment's Swedish annotator."""

    def __init__(self, annotator_dir: str) -> None:
        self.annotator = load_annotator(annotator_dir)
        self.version = f"{COMPONENT_VERSION}+{self.annotator.version}"

    def __call__(self, doc: Doc) -> Doc:
        """Tag and lemmatise every sentence (the whole doc if it has no sentences)."""
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 1000) -> Iterator[Doc]:
        """Tag and lemmatise docs, the sentences of ``batch_size`` docs in one batch.

        White-space tokens are left out of the sentences the tagger sees; they
        get the tag ``SPACE`` and themselves as lemma.
        """
        for batch in minibatch(docs, batch_size):
            strings = batch[0].vocab.strings
            words = [[strings[orth] for orth in doc.to_array(ORTH).tolist()] for doc in batch]
            sentences = [_sentence_tokens(doc) for doc in batch]
            analysed = iter(
                self.annotator.annotate_batch(
                    [[doc_words[i] for i in tokens]
                     for doc_words, doc_sentences in zip(words, sentences, strict=True)
                     for tokens in doc_sentences]
                )
            )  # fmt: skip
            for doc, doc_sentences in zip(batch, sentences, strict=True):
                index: list[int] = []
                lemma_ids: list[int] = []
                pos_ids: list[int] = []
                for tokens in doc_sentences:
                    lemmas, tags = next(analysed)
                    index += tokens
                    lemma_ids += map(strings.add, lemmas)
                    pos_ids += [UNIVERSAL_POS[tag] for tag in tags]
                values = doc.to_array([ORTH, POS])  # white space: itself as lemma, SPACE
                values[:, 1] = UNIVERSAL_POS["SPACE"]
                values[index, 0] = lemma_ids
                values[index, 1] = pos_ids
                doc.from_array([LEMMA, POS], values)
                yield doc


def _sentence_tokens(doc: Doc) -> list[list[int]]:
    """Indices of each sentence's tokens, white space left out (one sentence if none are set)."""
    starts = doc.to_array(SENT_START) == 1
    starts[:1] = True
    bounds = [*np.flatnonzero(starts).tolist(), len(doc)]
    spaces = doc.to_array(IS_SPACE).tolist()
    sentences = [list(range(start, end)) for start, end in itertools.pairwise(bounds)]
    if any(spaces):
        sentences = [[i for i in tokens if not spaces[i]] for tokens in sentences]
    return [tokens for tokens in sentences if tokens]


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
    starts = _sentence_offsets(doc.text)
    flags = [
        [1 if i == 0 or idx in starts else -1] for i, idx in enumerate(doc.to_array(IDX).tolist())
    ]
    doc.from_array([SENT_START], np.array(flags, dtype="int32").astype("uint64"))
    return doc


def _sentence_offsets(text: str) -> set[int]:
    """Character offsets where sediment's segmenter starts sentences, blank lines included.

    A bullet (•), which the segmenter leaves out, starts the sentence it introduces.
    """
    offsets = set()
    for paragraph in _PARAGRAPH.finditer(text):
        body, shift = paragraph.group(), paragraph.start()
        offsets.update(shift + start for start, _ in split_spans(body))
        for bullet in BULLET.finditer(body):
            if shift + bullet.end() in offsets:
                offsets.remove(shift + bullet.end())
            offsets.add(shift + bullet.start("mark"))
    return offsets


class SedimentTokenizer:
    """spaCy tokenizer that splits as sediment's pipeline does (``pipeline.annotate.tokenize``).

    Abbreviations ("bl.a.", "kap."), numbers ("2019:43", "45,2") and genitives
    ("EU:s") are single tokens; white space beyond one space is kept as
    space tokens, so ``doc.text`` is the input text. Sentence starts are set
    as ``sediment_sentencizer`` sets them.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        """Tokenize ``text`` into a Doc with sentence starts."""
        sentence_offsets = _sentence_offsets(text)
        words: list[str] = []
        spaces: list[bool] = []
        starts: list[int] = []  # 1 starts a sentence, -1 does not

        def add_white_space(gap: str) -> None:
            if gap[0] == " " and words:  # one space after a token is its trailing space
                spaces[-1], gap = True, gap[1:]
            if gap:
                words.append(gap)
                spaces.append(False)
                starts.append(-1 if starts else 1)

        position = 0
        for gap, word in SPACED_TOKEN.findall(text):
            if gap:
                if gap == " " and words:
                    spaces[-1] = True
                else:
                    add_white_space(gap)
                position += len(gap)
            starts.append(1 if not starts or position in sentence_offsets else -1)
            words.append(word)
            spaces.append(False)
            position += len(word)
        if position < len(text):
            add_white_space(text[position:])
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if starts:  # faster than Doc(sent_starts=...)
            doc.from_array([SENT_START], np.array(starts, dtype="int32").astype("uint64"))
        return doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        """Tokenize each text."""
        for text in texts:
            yield self(text)

    def to_bytes(self, **kwargs: object) -> bytes:
        """Nothing to save: the tokenizer has no settings."""
        return b""

    def from_bytes(self, data: bytes, **kwargs: object) -> SedimentTokenizer:
        """Nothing to load."""
        return self

    def to_disk(self, path: str, **kwargs: object) -> None:
        """Nothing to save."""

    def from_disk(self, path: str, **kwargs: object) -> SedimentTokenizer:
        """Nothing to load."""
        return self


@registry.tokenizers(TOKENIZER)
def make_tokenizer() -> Callable[[Language], SedimentTokenizer]:
    """The factory spaCy's config calls for ``@tokenizers = "sediment_tokenizer.v1"``."""

    def create(nlp: Language) -> SedimentTokenizer:
        return SedimentTokenizer(nlp.vocab)

    return create


def swedish_pipeline(annotator_dir: str = Settings.annotator_dir) -> Language:
    """A blank Swedish spaCy pipeline: sediment's tokenizer (it splits sentences) and lemmatiser."""
    import spacy

    nlp = spacy.blank("sv", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("sediment_lemmatizer", config={"annotator_dir": annotator_dir})
    return nlp
