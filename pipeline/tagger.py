"""A greedy averaged-perceptron part-of-speech tagger, stored as plain JSON."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_START = ("-START-", "-START2-")
_END = ("-END-", "-END2-")
_PADS = frozenset(_START + _END)


def _normalise(word: str) -> str:
    if word.isdigit():
        return "!DIGITS"
    if any(char.isdigit() for char in word):
        return "!HASDIGIT"
    return word.lower()


def _shape(word: str) -> str:
    if word.isupper() and len(word) > 1:
        return "UPPER"
    if word[:1].isupper():
        return "Title"
    if "-" in word:
        return "hyphen"
    if not any(char.isalnum() for char in word):
        return "punct"
    return "lower"


class PerceptronTagger:
    """Tags token sequences with universal POS tags.

    Attributes:
        weights: feature → {tag: weight}.
        tagdict: lower-cased words seen often with a single tag.
        tags: the tag set.
        history: Whether the tagger sees its own previous tags (greedy, left to
            right); a tagger without them sees a first pass's tags on both
            sides instead and tags a whole sentence at once.
    """

    def __init__(
        self,
        weights: dict[str, dict[str, float]] | None = None,
        tagdict: dict[str, str] | None = None,
        tags: Sequence[str] = (),
        history: bool = True,
    ) -> None:
        self.weights = weights or {}
        self.tagdict = tagdict or {}
        self.tags = tuple(tags)
        self.history = history
        self._scorer: _Scorer | None = None

    def tag(
        self,
        tokens: Sequence[str],
        lexical: Sequence[list[str]],
        first_pass: Sequence[str] | None = None,
    ) -> list[str]:
        """Return one UPOS tag per token.

        Args:
            tokens: The sentence's tokens.
            lexical: Per token, features from a lexicon (see ``pipeline.annotate``).
            first_pass: A first pass's tags, for a second-pass tagger trained with
                :func:`first_pass_features`.
        """
        if self._scorer is None:
            self._scorer = _Scorer(self.weights, self.tags, self.history)
        return self._scorer.tag(tokens, lexical, self.tagdict, first_pass)

    def _predict(self, features: list[str]) -> str:
        scores: dict[str, float] = defaultdict(float)
        for feature in features:
            for tag, weight in self.weights.get(feature, {}).items():
                scores[tag] += weight
        return max(self.tags, key=lambda tag: (scores[tag], tag))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "tags": list(self.tags),
            "tagdict": self.tagdict,
            "weights": self.weights,
            "history": self.history,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PerceptronTagger:
        """Rebuild a tagger from :meth:`to_dict` output."""
        return cls(data["weights"], data["tagdict"], data["tags"], data.get("history", True))

    @classmethod
    def train(
        cls,
        sentences: Sequence[tuple[Sequence[str], Sequence[str], Sequence[list[str]]]],
        iterations: int,
        seed: int,
        history: bool = True,
    ) -> PerceptronTagger:
        """Train on (tokens, tags, per-token extra features), averaged; deterministic."""
        tagdict = _tag_dictionary([(tokens, tags) for tokens, tags, _ in sentences])
        tagger = cls(tagdict=tagdict, history=history)
        tagger.tags = tuple(sorted({tag for _, tags, _ in sentences for tag in tags}))
        training = _AveragedWeights()
        order = list(sentences)
        rng = random.Random(seed)
        for _ in range(iterations):
            rng.shuffle(order)
            for tokens, gold_tags, lexical in order:
                prev, prev2 = _START
                context = [*_START, *(_normalise(token) for token in tokens), *_END]
                for index, token in enumerate(tokens):
                    gold = gold_tags[index]
                    guess = tagger.tagdict.get(context[index + 2])
                    if guess is None:
                        features = _features(index, token, context) + lexical[index]
                        if history:
                            features += _history_features(prev, prev2, context[index + 2])
                        tagger.weights = training.weights
                        guess = tagger._predict(features)
                        training.update(gold, guess, features)
                    prev2, prev = prev, guess
        tagger.weights = training.averaged()
        return tagger


def first_pass_features(tags: Sequence[str], index: int) -> list[str]:
    """Features of a first pass's tags on both sides of a word, for a second pass."""
    before = tags[index - 1] if index >= 1 else _START[0]
    before2 = tags[index - 2] if index >= 2 else _START[1]
    after = tags[index + 1] if index + 1 < len(tags) else _END[0]
    after2 = tags[index + 2] if index + 2 < len(tags) else _END[1]
    return [
        f"n1={after}", f"n2={after2}", f"n1,n2={after},{after2}", f"q1={before}",
        f"q2={before2}", f"q1,q2={before},{before2}", f"q1,n1={before},{after}",
    ]  # fmt: skip


def _features(index: int, word: str, context: list[str]) -> list[str]:
    i = index + 2
    lower = context[i]
    return [
        "bias",
        f"w={lower}",
        f"s1={lower[-1:]}",
        f"s2={lower[-2:]}",
        f"s3={lower[-3:]}",
        f"s4={lower[-4:]}",
        f"s5={lower[-5:]}",
        f"p1={lower[:1]}",
        f"shape={_shape(word)}",
        f"w-1={context[i - 1]}",
        f"s3-1={context[i - 1][-3:]}",
        f"w-2={context[i - 2]}",
        f"w+1={context[i + 1]}",
        f"s3+1={context[i + 1][-3:]}",
        f"w+2={context[i + 2]}",
    ]


def _history_features(prev: str, prev2: str, lower: str) -> list[str]:
    return [f"t-1={prev}", f"t-2={prev2}", f"t-1,t-2={prev},{prev2}", f"t-1,w={prev},{lower}"]


def _tag_dictionary(
    sentences: Sequence[tuple[Sequence[str], Sequence[str]]],
    min_count: int = 20,
    min_share: float = 0.99,
) -> dict[str, str]:
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for tokens, tags in sentences:
        for token, tag in zip(tokens, tags, strict=True):
            counts[_normalise(token)][tag] += 1
    tagdict = {}
    for word, by_tag in counts.items():
        tag, count = max(by_tag.items(), key=lambda item: item[1])
        total = sum(by_tag.values())
        if total >= min_count and count / total >= min_share:
            tagdict[word] = tag
    return tagdict


class _AveragedWeights:
    """Perceptron weights with the running totals needed for averaging."""

    def __init__(self) -> None:
        self.weights: dict[str, dict[str, float]] = defaultdict(dict)
        self._totals: dict[tuple[str, str], float] = defaultdict(float)
        self._stamps: dict[tuple[str, str], int] = defaultdict(int)
        self._instances = 0

    def update(self, gold: str, guess: str, features: list[str]) -> None:
        self._instances += 1
        if gold == guess:
            return
        for feature in features:
            weights = self.weights[feature]
            for tag, delta in ((gold, 1.0), (guess, -1.0)):
                key = (feature, tag)
                current = weights.get(tag, 0.0)
                self._totals[key] += (self._instances - self._stamps[key]) * current
                self._stamps[key] = self._instances
                weights[tag] = current + delta

    def averaged(self) -> dict[str, dict[str, float]]:
        averaged: dict[str, dict[str, float]] = {}
        for feature, weights in self.weights.items():
            kept = {}
            for tag, weight in weights.items():
                key = (feature, tag)
                total = self._totals[key] + (self._instances - self._stamps[key]) * weight
                value = round(total / self._instances, 3)
                if value:
                    kept[tag] = value
            if kept:
                averaged[feature] = kept
        return averaged


class _Scorer:
    """The perceptron's weights as matrices: the same scores, summed with numpy.

    Features that depend only on a word (its own, or as the left or right
    neighbour) are summed once per word type and cached as a row; the tag
    history features are a (previous, before-previous) × tag tensor. Tags are
    kept in reverse order so that ``argmax`` breaks ties as the perceptron does.
    """

    def __init__(
        self, weights: dict[str, dict[str, float]], tags: Sequence[str], history: bool
    ) -> None:
        self.weights = weights
        self.uses_history = history
        self.tags = sorted(tags, reverse=True)
        self.index = {tag: i for i, tag in enumerate(self.tags)}
        history = [*self.tags, *_START]
        self.history = {label: i for i, label in enumerate(history)}
        size = len(history)
        self.transition = np.zeros((size, size, len(self.tags)))
        self.tag_word: dict[str, np.ndarray] = {}
        for previous, p in self.history.items():
            self.transition[p, :, :] += self._row([f"t-1={previous}"])
            for before, q in self.history.items():
                self.transition[p, q, :] += self._row(
                    [f"t-2={before}", f"t-1,t-2={previous},{before}"]
                )
        for feature, by_tag in weights.items():
            if feature.startswith("t-1,w="):
                previous, _, word = feature[6:].partition(",")
                if previous in self.history:
                    matrix = self.tag_word.setdefault(word, np.zeros((size, len(self.tags))))
                    for tag, weight in by_tag.items():
                        matrix[self.history[previous], self.index[tag]] += weight
        self.rows = np.zeros((1024, len(self.tags)))
        self.row_of: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self.words: dict[str, _WordRows] = {}
        self.starts = [self._entry(pad) for pad in _START]
        self.ends = [self._entry(pad) for pad in _END]
        self.bias = self._row(["bias"])

    def _row(self, features: Iterable[str]) -> np.ndarray:
        row = np.zeros(len(self.tags))
        for feature in features:
            for tag, weight in self.weights.get(feature, {}).items():
                row[self.index[tag]] += weight
        return row

    def _row_id(self, group: str, key: str, features: Iterable[str]) -> int:
        found = self.row_of.get((group, key))
        if found is None:
            with self._lock:  # threads share a loaded tagger; rows are added one at a time
                found = self.row_of.get((group, key))
                if found is None:
                    found = len(self.row_of)
                    if found >= len(self.rows):
                        self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
                    self.rows[found] = self._row(features)
                    self.row_of[(group, key)] = found
        return found

    def _entry(self, word: str, lexical: Sequence[str] = ()) -> _WordRows:
        """Row ids of a word's own features and of its features as a neighbour (cached)."""
        found = self.words.get(word)
        if found is None:
            lower = _normalise(word) if word not in _PADS else word
            own = [
                f"w={lower}", f"s1={lower[-1:]}", f"s2={lower[-2:]}", f"s3={lower[-3:]}",
                f"s4={lower[-4:]}", f"s5={lower[-5:]}", f"p1={lower[:1]}", f"shape={_shape(word)}",
                *lexical,
            ]  # fmt: skip
            found = _WordRows(
                lower=lower,
                own=self._row_id("own", word, own),
                left1=self._row_id("l1", lower, [f"w-1={lower}", f"s3-1={lower[-3:]}"]),
                left2=self._row_id("l2", lower, [f"w-2={lower}"]),
                right1=self._row_id("r1", lower, [f"w+1={lower}", f"s3+1={lower[-3:]}"]),
                right2=self._row_id("r2", lower, [f"w+2={lower}"]),
            )
            self.words[word] = found
        return found

    def tag(
        self,
        tokens: Sequence[str],
        lexical: Sequence[list[str]],
        tagdict: dict[str, str],
        first_pass: Sequence[str] | None,
    ) -> list[str]:
        n = len(tokens)
        words = [self._entry(token, lexical[i]) for i, token in enumerate(tokens)]
        context = [*self.starts, *words, *self.ends]  # token i: i-2 at i, i+2 at i + 4
        rows = self.rows
        static = (
            rows[[word.own for word in words]]
            + rows[[word.left2 for word in context[:n]]]
            + rows[[word.left1 for word in context[1 : n + 1]]]
            + rows[[word.right1 for word in context[3 : n + 3]]]
            + rows[[word.right2 for word in context[4 : n + 4]]]
            + self.bias
        )
        if first_pass is not None:
            around = [first_pass_features(first_pass, i) for i in range(n)]
            ids = [self._row_id("pass", ",".join(f), f) for f in around]
            static += self.rows[ids]  # read the rows after adding new ones
        if not self.uses_history:
            best = static.argmax(axis=1)
            return [
                fixed if (fixed := tagdict.get(word.lower)) is not None else self.tags[tag]
                for word, tag in zip(words, best, strict=True)
            ]
        previous, before = self.history[_START[0]], self.history[_START[1]]
        tags = []
        for i, word in enumerate(words):
            fixed = tagdict.get(word.lower)
            if fixed is not None:
                tag = self.index[fixed]
            else:
                scores = static[i] + self.transition[previous, before]
                by_previous = self.tag_word.get(word.lower)
                if by_previous is not None:
                    scores = scores + by_previous[previous]
                tag = int(scores.argmax())
            tags.append(self.tags[tag])
            previous, before = tag, previous
        return tags


@dataclass(frozen=True)
class _WordRows:
    lower: str
    own: int
    left1: int
    left2: int
    right1: int
    right2: int
