"""Lemmatisation backends behind one interface, for ``sediment lemmatize`` and evaluation.

``spacy`` (the default) is a blank Swedish spaCy pipeline with sediment's
registered components; ``stanza`` runs a Stanza model from a folder.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
from spacy.attrs import IS_SPACE, LEMMA, ORTH, POS, SENT_START
from spacy.parts_of_speech import NAMES as UPOS_NAMES
from spacy.tokens import Doc

from pipeline.annotate import evaluate, tokenize
from pipeline.errors import Errors, SedimentError
from pipeline.segment import split_spans
from pipeline.settings import Settings

STANZA_MANIFEST = "stanza.json"
_SENTENCES_PER_DOC = 1000
T = TypeVar("T")
Analysed = list[tuple[str, str, str]]  # one sentence: (token, lemma, upos)
_PARAGRAPHS = re.compile(r"\n\s*\n")
_PIECE_CHARACTERS = 50_000
_GC_FIRST_THRESHOLD = 10_000


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

        The text goes through spaCy in pieces of about 50,000 characters, cut
        at blank lines, so memory stays bounded however long the text is.
        """
        sentences: list[Analysed] = []
        for doc in self.nlp.pipe(_pieces(text, _PIECE_CHARACTERS)):
            rows = self._rows(doc)
            spaces = doc.to_array(IS_SPACE).tolist()
            starts = doc.to_array(SENT_START) == 1
            starts[:1] = True
            bounds = [*np.flatnonzero(starts).tolist(), len(doc)]
            for start, end in itertools.pairwise(bounds):
                sentence = [
                    row
                    for row, space in zip(rows[start:end], spaces[start:end], strict=True)
                    if not space
                ]
                if sentence:
                    sentences.append(sentence)
        return sentences

    def _rows(self, doc: Doc) -> Analysed:
        """(token, lemma, upos) of every token of ``doc``, white space included."""
        strings = self.nlp.vocab.strings
        return list(
            zip(
                [strings[orth] for orth in doc.to_array(ORTH).tolist()],
                [strings[lemma] for lemma in doc.to_array(LEMMA).tolist()],
                [UPOS_NAMES[pos] for pos in doc.to_array(POS).tolist()],
                strict=True,
            )
        )

    def analyse_tokens(self, sentences: Sequence[Sequence[str]]) -> list[Analysed]:
        """Tag and lemmatise pre-tokenized sentences, token for token.

        Sentences go into spaCy as one Doc per 1,000 (``sent_starts`` mark them).
        """
        analysed: list[Analysed] = []
        for chunk in batched(sentences, _SENTENCES_PER_DOC):
            words = [word for tokens in chunk for word in tokens]
            starts = [1 if i == 0 else -1 for tokens in chunk for i in range(len(tokens))]
            doc = Doc(self.nlp.vocab, words=words)
            doc.from_array([SENT_START], np.array(starts, dtype="int32").astype("uint64"))
            rows = self._rows(self.lemmatizer(doc))
            end = 0
            for tokens in chunk:
                analysed.append(rows[end : end + len(tokens)])
                end += len(tokens)
        return analysed


class StanzaBackend:
    """A Stanza tagger and lemmatiser from a folder, over sediment's tokens and sentences.

    The folder either holds a ``stanza.json`` that names the model files
    (``sediment build-stanza`` writes one), or is a folder that
    ``stanza.download("sv", model_dir=...)`` filled with Stanza's official
    Swedish models. Nothing is downloaded: Stanza runs offline, on the CPU.
    """

    def __init__(self, model_dir: str = Settings.stanza_dir) -> None:
        directory = Path(model_dir)
        options = stanza_options(directory)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # Stanza must never reach a model hub
        try:
            import stanza
        except ImportError as error:
            raise SedimentError(Errors.STANZA_MISSING) from error
        try:
            self.nlp = stanza.Pipeline(
                lang="sv",
                processors="tokenize,pos,lemma",
                tokenize_pretokenized=True,
                download_method=None,
                use_gpu=False,
                logging_level="ERROR",
                **options,
            )
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise SedimentError(
                Errors.STANZA_MODEL_BROKEN, path=directory, problem=error
            ) from error

    def analyse_text(self, text: str) -> list[Analysed]:
        """Split raw text with sediment's segmenter and tokenizer, then tag and lemmatise."""
        return self.analyse_tokens(
            [
                tokenize(paragraph[start:end])
                for paragraph in _PARAGRAPHS.split(text)
                for start, end in split_spans(paragraph)
            ]
        )

    def analyse_tokens(self, sentences: Sequence[Sequence[str]]) -> list[Analysed]:
        """Tag and lemmatise pre-tokenized sentences, token for token."""
        if not sentences:
            return []
        doc = self.nlp([list(tokens) for tokens in sentences])
        return [
            [(word.text, word.lemma or word.text, word.upos) for word in sentence.words]
            for sentence in doc.sentences
        ]


def stanza_options(directory: Path) -> dict[str, str | bool]:
    """Pipeline options for a Stanza model folder (see :class:`StanzaBackend`).

    Raises:
        SedimentError: The folder holds neither kind of model.
    """
    manifest = directory / STANZA_MANIFEST
    if manifest.is_file():
        listed = json.loads(manifest.read_text(encoding="utf-8"))["pipeline"]
        paths = {key: str(directory / value) for key, value in listed.items()}
        return {**paths, "dir": str(directory), "allow_unknown_language": True}
    if (directory / "resources.json").is_file():
        return {"dir": str(directory)}
    raise SedimentError(
        Errors.MODEL_NOT_FOUND, what="Stanza", path=directory, command="sediment build-stanza"
    )


BACKENDS: dict[str, Callable[[Settings], Backend]] = {
    "spacy": lambda settings: SpacyBackend(settings.annotator_dir),
    "stanza": lambda settings: StanzaBackend(settings.stanza_dir),
}


def evaluate_backend(backend: Backend, treebank: Path) -> dict[str, float]:
    """Lemma and UPOS accuracy of a backend on a CoNLL-U file's gold tokens."""

    def analyse(sentences: Sequence[Sequence[str]]) -> list[tuple[list[str], list[str]]]:
        return [
            ([lemma for _, lemma, _ in sentence], [upos for _, _, upos in sentence])
            for sentence in backend.analyse_tokens(sentences)
        ]

    return evaluate(analyse, treebank)


def load_backend(name: str, settings: Settings) -> Backend:
    """The backend ``name`` with the model folders of ``settings``, ready for bulk work.

    Loading ends with :func:`tune_gc_for_bulk_work`.
    """
    backend = BACKENDS[name](settings)
    tune_gc_for_bulk_work()
    return backend


def tune_gc_for_bulk_work() -> None:
    """Keep Python's cyclic garbage collector from dominating long annotation runs.

    Everything alive now (the loaded models) is frozen out of its reach, and
    it runs after every 10,000 new container objects instead of 700. With the
    defaults it took a third of the lemmatiser's time
    (``benchmarks/lemmatizer_speed.py``). Reference counting frees memory as before.
    """
    gc.freeze()
    gc.set_threshold(_GC_FIRST_THRESHOLD, *gc.get_threshold()[1:])


def _pieces(text: str, size: int) -> Iterator[str]:
    """Consecutive pieces of ``text`` of at least ``size`` characters, cut only at blank lines."""
    start = 0
    while start < len(text):
        cut = _PARAGRAPHS.search(text, start + size)
        end = cut.end() if cut else len(text)
        yield text[start:end]
        start = end


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
