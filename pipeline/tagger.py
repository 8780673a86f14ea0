"""A greedy averaged-perceptron part-of-speech tagger, stored as plain JSON."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

_START = ("-START-", "-START2-")
_END = ("-END-", "-END2-")


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
    """

    def __init__(
        self,
        weights: dict[str, dict[str, float]] | None = None,
        tagdict: dict[str, str] | None = None,
        tags: Sequence[str] = (),
    ) -> None:
        self.weights = weights or {}
        self.tagdict = tagdict or {}
        self.tags = tuple(tags)

    def tag(self, tokens: Sequence[str], lexical: Sequence[list[str]]) -> list[str]:
        """Return one UPOS tag per token.

        Args:
            tokens: The sentence's tokens.
            lexical: Per token, features from a lexicon (see ``pipeline.annotate``).
        """
        prev, prev2 = _START
        context = [*_START, *(_normalise(token) for token in tokens), *_END]
        tags = []
        for index, token in enumerate(tokens):
            tag = self.tagdict.get(context[index + 2])
            if tag is None:
                features = _features(index, token, context, prev, prev2) + lexical[index]
                tag = self._predict(features)
            tags.append(tag)
            prev2, prev = prev, tag
        return tags

    def _predict(self, features: list[str]) -> str:
        scores: dict[str, float] = defaultdict(float)
        for feature in features:
            for tag, weight in self.weights.get(feature, {}).items():
                scores[tag] += weight
        return max(self.tags, key=lambda tag: (scores[tag], tag))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"tags": list(self.tags), "tagdict": self.tagdict, "weights": self.weights}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PerceptronTagger:
        """Rebuild a tagger from :meth:`to_dict` output."""
        return cls(data["weights"], data["tagdict"], data["tags"])

    @classmethod
    def train(
        cls,
        sentences: Sequence[tuple[Sequence[str], Sequence[str], Sequence[list[str]]]],
        iterations: int,
        seed: int,
    ) -> PerceptronTagger:
        """Train on (tokens, tags, lexical features) with weight averaging; deterministic."""
        tagger = cls(tagdict=_tag_dictionary([(tokens, tags) for tokens, tags, _ in sentences]))
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
                        features = _features(index, token, context, prev, prev2) + lexical[index]
                        tagger.weights = training.weights
                        guess = tagger._predict(features)
                        training.update(gold, guess, features)
                    prev2, prev = prev, guess
        tagger.weights = training.averaged()
        return tagger


def _features(index: int, word: str, context: list[str], prev: str, prev2: str) -> list[str]:
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
        f"t-1={prev}",
        f"t-2={prev2}",
        f"t-1,t-2={prev},{prev2}",
        f"t-1,w={prev},{lower}",
        f"w-1={context[i - 1]}",
        f"s3-1={context[i - 1][-3:]}",
        f"w-2={context[i - 2]}",
        f"w+1={context[i + 1]}",
        f"s3+1={context[i + 1][-3:]}",
        f"w+2={context[i + 2]}",
    ]


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
