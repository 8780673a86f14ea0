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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import simplemma

from pipeline.cards import CARD_FILE
from pipeline.conllu import GoldSentence, read_conllu
from pipeline.errors import Errors, SedimentError
from pipeline.records import AnnotatedSentence, Sentence
from pipeline.swedish import ABBREVIATIONS
from pipeline.tagger import PerceptronTagger

ANNOTATOR_FILE = "annotator.json.gz"
_TOKEN = re.compile(
    r"""
    (?:[^\W\d_]{1,4}\.){2,}                 # bl.a. t.ex. m.m.
    | \d+(?:[.,:/]\d+)*                     # 2019:43  45,2  1.000
    | [^\W_]+(?:[-'’:][^\W_]+)*(?:-(?=\s))?  # words, EU:s, kort-
    | \S                                    # any other single character
    """,
    re.VERBOSE,
)
_VERBATIM_UPOS = frozenset({"PUNCT", "SYM", "NUM", "X"})


def tokenize(text: str) -> list[str]:
    """Split Swedish text into tokens; known abbreviations keep their period."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        attached = match.start() > 0 and not text[match.start() - 1].isspace()
        if token == "." and attached and f"{tokens[-1].lower()}." in ABBREVIATIONS:
            tokens[-1] += "."
            continue
        tokens.append(token)
    return tokens


@dataclass(frozen=True)
class Annotator:
    """Tokenizer, tagger and lemmatiser with their version."""

    version: str
    tagger: PerceptronTagger
    lemma_table: dict[str, str]

    def lemmatize(self, form: str, upos: str) -> str:
        """Lemma of ``form`` read as ``upos``."""
        if upos in _VERBATIM_UPOS:
            return form
        lower = form.lower()
        if (known := self.lemma_table.get(f"{lower}\t{upos}")) is not None:
            return known
        if upos == "PROPN":
            return form
        lemma = simplemma.lemmatize(form, lang="sv")
        return lower if "_" in lemma else lemma.lower()

    def annotate_tokens(self, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
        """Return (lemmas, upos) for already tokenized text."""
        tags = self.tagger.tag(tokens)
        return [self.lemmatize(t, tag) for t, tag in zip(tokens, tags, strict=True)], tags

    def annotate(self, sentences: Iterable[Sentence]) -> list[AnnotatedSentence]:
        """Tokenize, tag and lemmatise each sentence."""
        annotated = []
        for sentence in sentences:
            tokens = tokenize(sentence.text)
            lemmas, tags = self.annotate_tokens(tokens)
            annotated.append(AnnotatedSentence(sentence, tuple(tokens), tuple(lemmas), tuple(tags)))
        return annotated


@cache
def load_annotator(directory: str) -> Annotator:
    """Load the annotator built by :func:`build_annotator` (cached per process).

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
    return Annotator(
        version=data["version"],
        tagger=PerceptronTagger.from_dict(data["tagger"]),
        lemma_table=data["lemma_table"],
    )


def _lemma_table(sentences: Iterable[GoldSentence]) -> dict[str, str]:
    """The most frequent gold lemma of each (lower-cased form, UPOS)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        for form, lemma, upos in zip(sentence.forms, sentence.lemmas, sentence.upos, strict=True):
            if upos not in _VERBATIM_UPOS:
                counts[f"{form.lower()}\t{upos}"][lemma if upos == "PROPN" else lemma.lower()] += 1
    return {key: lemmas.most_common(1)[0][0] for key, lemmas in sorted(counts.items())}


def evaluate(annotator: Annotator, treebank: Path) -> dict[str, float]:
    """Lemma (case-insensitive) and UPOS accuracy on gold tokens of a CoNLL-U file."""
    total = lemma_ok = lemma_ok_nopunct = nopunct = upos_ok = 0
    for sentence in read_conllu(treebank):
        lemmas, tags = annotator.annotate_tokens(sentence.forms)
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
    tagger = PerceptronTagger.train([(s.forms, s.upos) for s in sentences], iterations=8, seed=13)
    annotator = Annotator(version=version, tagger=tagger, lemma_table=_lemma_table(sentences))
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"version": version, "tagger": tagger.to_dict(), "lemma_table": annotator.lemma_table}
    with gzip.GzipFile(out_dir / ANNOTATOR_FILE, "wb", mtime=0) as handle:
        handle.write(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode())
    card = {
        "version": version,
        "built": dt.date.today().isoformat(),
        "trained_on": [path.name for path in train],
        "training_tokens": sum(len(s.forms) for s in sentences),
        "evaluation": {path.name: evaluate(annotator, path) for path in evaluation},
        "method": "averaged perceptron UPOS tagger; (form, UPOS) lemma table from the "
        "training treebanks; simplemma's Swedish dictionary for other words",
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "card.md").write_text(_render_card(card), encoding="utf-8")
    load_annotator.cache_clear()
    return card


def _render_card(card: dict[str, Any]) -> str:
    rows = "\n".join(
        f"| {name} | {scores['tokens']} | {scores['lemma_accuracy']:.2%} | "
        f"{scores['lemma_accuracy_no_punct']:.2%} | {scores['upos_accuracy']:.2%} |"
        for name, scores in card["evaluation"].items()
    )
    return (
        f"# Swedish annotator {card['version']}\n\n"
        f"Built {card['built']} from {', '.join(card['trained_on'])} "
        f"({card['training_tokens']} tokens, UD, CC BY-SA 4.0).\n\n{card['method']}.\n\n"
        "| evaluated on | tokens | lemma | lemma (no punct) | UPOS |\n"
        f"| --- | --- | --- | --- | --- |\n{rows}\n\n"
        "Rebuild with `make models`; the build is deterministic.\n"
    )
