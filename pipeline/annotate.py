"""Annotate: tokens, lemmas and universal POS tags for Swedish sentences.

The annotator is a perceptron tagger trained on the Universal Dependencies
Swedish treebanks that ship with the project, a (form, UPOS) → lemma table from
the same data, and simplemma's Swedish dictionary for every other word.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.cards import CARD_FILE, lemma_scores_table
from pipeline.conllu import GoldSentence, read_conllu
from pipeline.dictionary import swedish_lemma
from pipeline.errors import Errors, SedimentError
from pipeline.lexicon import Lexicon, load_lexicon
from pipeline.loading import LoadOnce
from pipeline.records import AnnotatedSentence, Sentence
from pipeline.swedish import ABBREVIATIONS
from pipeline.tagger import PerceptronTagger, first_pass_features

ANNOTATOR_FILE = "annotator.json.gz"
# Abbreviations of one word ("kap.", "jfr."); those with inner periods are matched as "bl.a." is.
_ONE_WORD_ABBREVIATIONS = sorted(
    (abbreviation[:-1] for abbreviation in ABBREVIATIONS if "." not in abbreviation[:-1]),
    key=lambda word: (-len(word), word),
)
_TOKEN = re.compile(
    rf"""
    (?:[^\W\d_]{{1,4}}\.){{2,}}                 # bl.a. t.ex. m.m.
    | (?=[^\W\d_]{{1,{max(map(len, _ONE_WORD_ABBREVIATIONS))}}}\.)  # kap. jfr.
      (?i:{"|".join(map(re.escape, _ONE_WORD_ABBREVIATIONS))})\.
    | \d+(?:[.,:/]\d+)*                     # 2019:43  45,2  1.000
    | [^\W_]+(?:[-'’:][^\W_]+)*(?:-(?=\s))?  # words, EU:s, kort-
    | \S                                    # any other single character
    """,
    re.VERBOSE,
)
# A token and the white space before it, for a tokenizer that keeps the white space.
SPACED_TOKEN = re.compile(rf"(\s*)({_TOKEN.pattern})", re.VERBOSE)
_VERBATIM_UPOS = frozenset({"PUNCT", "SYM", "NUM", "X"})
_FOLDS = 5
# A proper noun's genitive: "USA:s", "Lars's", and definite names: "Riksrevisionens".
_GENITIVE = re.compile(r"[:'’]s$|(?<=\w{4}(?:en|et|an))s$")
_PARTICIPLE = re.compile(r"^(\w{3,})(?:ad|ade|at)$")


def tokenize(text: str) -> list[str]:
    """Split Swedish text into tokens; known abbreviations keep their period."""
    return [text[start:end] for start, end in token_spans(text)]


def token_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token of :func:`tokenize` in ``text``."""
    return [match.span() for match in _TOKEN.finditer(text)]


def _shared_prefix(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


@dataclass(frozen=True)
class Annotator:
    """Tokenizer, tagger and lemmatiser with their version.

    Tagging runs twice: the ``refiner`` sees the first pass's tags on both sides
    of each word ("prioriterade" before a noun is an adjective) and tags a
    whole sentence at once.

    Lemmas come, in order, from the UD (form, UPOS) table; for proper nouns
    the form without a genitive ``:s``; the Hunspell stem that simplemma's
    dictionary agrees with; simplemma; a compound's first part plus the
    lemma of its last part; the form itself.
    """

    version: str
    tagger: PerceptronTagger
    lemma_table: dict[str, str]
    refiner: PerceptronTagger | None = None
    lexicon: Lexicon = field(default_factory=load_lexicon, compare=False, repr=False)
    _features: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)
    _lemmas: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def word_features(self, word: str) -> tuple[str, ...]:
        """Lexicon features of a word for the tagger: Hunspell flags and simplemma's lemma."""
        features = self._features.get(word)
        if features is None:
            readings = self.lexicon.readings(word)
            flags = sorted({flag for reading in readings for flag in reading.flags})
            kind = "none" if not readings else "base" if not readings[0].inflected else "inflected"
            lemma = swedish_lemma(word)
            lower = word.lower()
            shared = _shared_prefix(lower, lemma) if lemma else 0
            features = (
                *(f"hf={flag}" for flag in flags),
                f"hk={kind}",
                f"sl={len(lower) - shared},{lemma[shared:]}" if lemma else "sl=?",
                f"ss={lemma[-2:]}" if lemma else "ss=?",
            )
            self._features[word] = features
        return features

    def lemmatize(self, form: str, upos: str) -> str:
        """Lemma of ``form`` read as ``upos`` (cached)."""
        key = (form, upos)
        lemma = self._lemmas.get(key)
        if lemma is None:
            lemma = self._lemmas[key] = self._lemma(form, upos, compound=True)
        return lemma

    def _lemma(self, form: str, upos: str, compound: bool) -> str:
        if upos in _VERBATIM_UPOS:
            return form
        lower = form.lower()
        if (known := self.lemma_table.get(f"{lower}\t{upos}")) is not None:
            return known
        if upos == "PROPN":
            genitive = _GENITIVE.search(form)
            return form[: genitive.start()] if genitive else form
        if upos in {"ADJ", "NOUN"} and lower.endswith(("ande", "ende")):
            return lower  # present participles are their own lemma in UD Swedish
        readings = self.lexicon.readings(lower)
        stems = {reading.stem.lower() for reading in readings if reading.inflected}
        lemma = swedish_lemma(lower)
        participle = _PARTICIPLE.match(lower) if upos in {"ADJ", "NOUN"} else None
        if participle and lemma == f"{participle.group(1)}a":
            return f"{participle.group(1)}ad"  # participles: "baserade", "baserat" → "baserad"
        if upos == "NOUN" and lemma is not None and lemma.endswith("a") and lemma[:-1] in stems:
            return lemma[:-1]  # "besluten" is a form of the noun "beslut", not of "besluta"
        if (
            upos == "NOUN"
            and lemma is not None
            and any(not reading.inflected for reading in readings)
            and not self.lexicon.knows(lemma)
        ):
            return lower  # Hunspell lists the noun as it stands, and not simplemma's lemma
        if lemma is not None and (lemma in stems or lemma == lower):
            return lemma
        if lemma is not None:
            return lower if upos == "NOUN" and lemma == f"{lower}a" else lemma
        if stems:
            return min(stems, key=lambda stem: (len(stem), stem))
        if compound and not readings:
            for cut in range(2, len(lower) - 2):
                tail = lower[cut:]
                if swedish_lemma(tail) is not None or self.lexicon.knows(tail):
                    return lower[:cut] + self._lemma(tail, upos, compound=False)
        return lower

    def annotate_tokens(self, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
        """Return (lemmas, upos) for one already tokenized sentence."""
        return self.annotate_batch([tokens])[0]

    def annotate_batch(
        self, sentences: Sequence[Sequence[str]]
    ) -> list[tuple[list[str], list[str]]]:
        """Return (lemmas, upos) for each tokenized sentence; batches of many are fastest."""
        tags = self.tagger.tag_batch(sentences, self.word_features)
        if self.refiner is not None:
            tags = self.refiner.tag_batch(sentences, self.word_features, first_pass=tags)
        lemmas = self._lemmas
        return [
            (
                [
                    lemmas.get((token, tag)) or self.lemmatize(token, tag)
                    for token, tag in zip(tokens, sentence_tags, strict=True)
                ],
                sentence_tags,
            )
            for tokens, sentence_tags in zip(sentences, tags, strict=True)
        ]

    def lemmatize_texts(self, texts: Sequence[str]) -> list[list[str]]:
        """Tokenize each text as one sentence and return its lemmas."""
        return [lemmas for lemmas, _ in self.annotate_batch([tokenize(text) for text in texts])]

    def annotate(self, sentences: Sequence[Sentence]) -> list[AnnotatedSentence]:
        """Tokenize, tag and lemmatise each sentence."""
        tokenized = [tokenize(sentence.text) for sentence in sentences]
        return [
            AnnotatedSentence(sentence, tuple(tokens), tuple(lemmas), tuple(tags))
            for sentence, tokens, (lemmas, tags) in zip(
                sentences, tokenized, self.annotate_batch(tokenized), strict=True
            )
        ]


@LoadOnce
def load_annotator(directory: str) -> Annotator:
    """Load the annotator built by :func:`build_annotator`, once per process.

    The Hunspell lexicon and simplemma's Swedish dictionary are loaded with it.

    Raises:
        SedimentError: The folder holds no annotator.
    """
    path = Path(directory) / ANNOTATOR_FILE
    if not path.is_file():
        raise SedimentError(
            Errors.MODEL_NOT_FOUND, what="annotator", path=path, command="make models"
        )
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    swedish_lemma("och")  # loads simplemma's dictionary now, not in the first thread that tags
    return Annotator(
        version=data["version"],
        tagger=PerceptronTagger.from_dict(data["tagger"]),
        lemma_table=data["lemma_table"],
        refiner=PerceptronTagger.from_dict(data["refiner"]),
    )


def _lemma_table(sentences: Iterable[GoldSentence]) -> dict[str, str]:
    """The most frequent gold lemma of each (lower-cased form, UPOS)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        for form, lemma, upos in zip(sentence.forms, sentence.lemmas, sentence.upos, strict=True):
            if upos not in _VERBATIM_UPOS:
                counts[f"{form.lower()}\t{upos}"][lemma if upos == "PROPN" else lemma.lower()] += 1
    return {key: lemmas.most_common(1)[0][0] for key, lemmas in sorted(counts.items())}


def evaluate(
    analyse: Callable[[Sequence[Sequence[str]]], Sequence[tuple[Sequence[str], Sequence[str]]]],
    treebank: Path,
) -> dict[str, float]:
    """Lemma (case-insensitive) and UPOS accuracy on the gold tokens of a CoNLL-U file.

    Args:
        analyse: Gives (lemmas, upos) for each of a batch of tokenized
            sentences, e.g. ``Annotator.annotate_batch``.
        treebank: The CoNLL-U file.
    """
    gold = list(read_conllu(treebank))
    total = lemma_ok = lemma_ok_nopunct = nopunct = upos_ok = 0
    for sentence, (lemmas, tags) in zip(gold, analyse([s.forms for s in gold]), strict=True):
        for gold_lemma, gold_upos, lemma, tag in zip(
            sentence.lemmas, sentence.upos, lemmas, tags, strict=True
        ):
            correct = lemma.lower() == gold_lemma.lower()
            total += 1
            lemma_ok += correct
            upos_ok += tag == gold_upos
            if gold_upos != "PUNCT":
                nopunct += 1
                lemma_ok_nopunct += correct
    return {
        "tokens": total,
        "lemma_accuracy": round(lemma_ok / total, 4),
        "lemma_accuracy_no_punct": round(lemma_ok_nopunct / nopunct, 4),
        "upos_accuracy": round(upos_ok / total, 4),
    }


def build_annotator(
    train: Sequence[Path], evaluation: Sequence[Path], out_dir: Path, version: str
) -> dict[str, Any]:
    """Train the tagger and lemma table on ``train`` treebanks and write them to ``out_dir``.

    Args:
        train: CoNLL-U files to learn from.
        evaluation: CoNLL-U files to report accuracy on (never trained on).
        out_dir: Folder for ``annotator.json.gz`` and ``card.json``.
        version: Version string stored with every annotated sentence.

    Returns:
        The model card.
    """
    sentences = [sentence for path in train for sentence in read_conllu(path)]
    lexicon = load_lexicon()
    features = Annotator(version, PerceptronTagger(), {}, lexicon).word_features
    data = [(s.forms, s.upos, [features(form) for form in s.forms]) for s in sentences]
    tagger = PerceptronTagger.train(data, iterations=8, seed=13)
    first_pass: list[list[str]] = [[] for _ in data]
    for fold in range(_FOLDS):  # first-pass tags the refiner would see on unseen text
        held_out = PerceptronTagger.train(
            [item for i, item in enumerate(data) if i % _FOLDS != fold], iterations=8, seed=13
        )
        unseen = [i for i in range(len(data)) if i % _FOLDS == fold]
        tagged = held_out.tag_batch([data[i][0] for i in unseen], features)
        for i, tags in zip(unseen, tagged, strict=True):
            first_pass[i] = tags
    refiner = PerceptronTagger.train(
        [
            (
                forms,
                upos,
                [[*feats, *first_pass_features(tags, i)] for i, feats in enumerate(lexical)],
            )
            for (forms, upos, lexical), tags in zip(data, first_pass, strict=True)
        ],
        iterations=8,
        seed=13,
        history=False,
    )
    annotator = Annotator(version, tagger, _lemma_table(sentences), refiner, lexicon)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "version": version,
        "tagger": tagger.to_dict(),
        "refiner": refiner.to_dict(),
        "lemma_table": annotator.lemma_table,
    }
    with gzip.GzipFile(out_dir / ANNOTATOR_FILE, "wb", mtime=0) as handle:
        handle.write(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    card = {
        "version": version,
        "built": dt.date.today().isoformat(),
        "trained_on": [path.name for path in train],
        "training_tokens": sum(len(s.forms) for s in sentences),
        "evaluation": {path.name: evaluate(annotator.annotate_batch, path) for path in evaluation},
        "method": "two-pass averaged perceptron UPOS tagger (the second pass sees the first "
        "pass's tags on both sides) with Hunspell-flag and simplemma features; "
        "lemmas from the training treebanks' (form, UPOS) table, Hunspell stems confirmed by "
        "simplemma, simplemma, and compound analysis",
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "card.md").write_text(_render_card(card), encoding="utf-8")
    load_annotator.cache_clear()
    return card


def _render_card(card: dict[str, Any]) -> str:
    return (
        f"# Swedish annotator {card['version']}\n\n"
        f"Built {card['built']} from {', '.join(card['trained_on'])} "
        f"({card['training_tokens']} tokens, UD, CC BY-SA 4.0).\n\n{card['method']}.\n\n"
        f"{lemma_scores_table(card['evaluation'])}\n"
        "Rebuild with `make models`; the build is deterministic.\n"
    )
