"""A greedy averaged-perceptron part-of-speech tagger, stored as plain JSON."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

import numpy as np

_START = ("-START-", "-START2-")
_END = ("-END-", "-END2-")
_PADS = frozenset(_START + _END)


def _normalise(word: str) -> str:
    if word.isdigit():
        return "!DIGITS"
    if any(map(str.isdigit, word)):
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

    def tag_batch(
        self,
        sentences: Sequence[Sequence[str]],
        lexical: Callable[[str], Sequence[str]],
        first_pass: Sequence[Sequence[str]] | None = None,
    ) -> list[list[str]]:
        """Return one UPOS tag per token of each sentence.

        Args:
            sentences: Tokenized sentences; a batch of many is much faster than one at a time.
            lexical: A word's features from a lexicon (see ``pipeline.annotate``);
                asked once per word type.
            first_pass: A first pass's tags, for a second-pass tagger trained with
                :func:`first_pass_features`.
        """
        if self._scorer is None:
            self._scorer = _Scorer(self.weights, self.tags, self.history)
        return self._scorer.tag(sentences, lexical, self.tagdict, first_pass)

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
        sentences: Sequence[tuple[Sequence[str], Sequence[str], Sequence[Sequence[str]]]],
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
                        features = [*_features(index, token, context), *lexical[index]]
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

    Features that depend only on a word (its own, or as a neighbour) are summed
    once per word type into five rows (own, two left, two right). A batch of
    sentences is laid out as one sequence with two pads on each side of every
    sentence, so that all its static scores are five fancy-index look-ups. A
    second pass adds its first-pass features from tables indexed by the tags
    around each word; a tagger with history decodes greedily, one position at a
    time for all sentences at once. Tags are kept in reverse order so that
    ``argmax`` breaks ties as the perceptron does.
    """

    def __init__(
        self, weights: dict[str, dict[str, float]], tags: Sequence[str], history: bool
    ) -> None:
        self.tags = sorted(tags, reverse=True)
        self.index = {tag: i for i, tag in enumerate(self.tags)}
        self.uses_history = history
        self.feature_ids = {feature: i for i, feature in enumerate(weights)}
        self.matrix = np.zeros((len(weights) + 1, len(self.tags)))  # last row: unseen features
        for feature, by_tag in weights.items():
            for tag, weight in by_tag.items():
                self.matrix[self.feature_ids[feature], self.index[tag]] = weight
        self.bias = self._sum(["bias"])
        self.labels = {label: i for i, label in enumerate([*self.tags, *_START, *_END])}
        self.tag_word_ids: dict[str, int] = {}
        if history:
            self._build_history_tables(weights)
        else:
            self._build_first_pass_tables()
        self._lock = threading.Lock()
        self.entries: dict[str, int] = {}
        self.rows = np.zeros((_ROW_KINDS, 0, len(self.tags)))
        self.fixed = np.zeros(0, dtype=np.intp)
        self.tag_word_of = np.zeros(0, dtype=np.intp)
        self._add_entries(_PAD_ENTRIES, lambda pad: [], {})  # entries 0-3

    def _sum(self, features: Sequence[str]) -> np.ndarray:
        unseen = len(self.matrix) - 1
        return self.matrix[[self.feature_ids.get(f, unseen) for f in features]].sum(axis=0)

    def _build_history_tables(self, weights: dict[str, dict[str, float]]) -> None:
        """Scores of (previous, before-previous) tags and of (previous tag, word) pairs."""
        history = [*self.tags, *_START]
        self.transition = np.array(
            [
                [self._sum([f"t-1={p}", f"t-2={q}", f"t-1,t-2={p},{q}"]) for q in history]
                for p in history
            ]
        )
        words: dict[str, np.ndarray] = {}
        for feature, by_tag in weights.items():
            if feature.startswith("t-1,w="):
                previous, _, word = feature[6:].partition(",")
                if previous in self.labels and previous not in _END:
                    matrix = words.setdefault(word, np.zeros((len(history), len(self.tags))))
                    for tag, weight in by_tag.items():
                        matrix[self.labels[previous], self.index[tag]] += weight
        self.tag_word_ids = {word: i + 1 for i, word in enumerate(words)}
        self.tag_word = np.zeros((len(words) + 1, len(history), len(self.tags)))
        for word, i in self.tag_word_ids.items():
            self.tag_word[i] = words[word]

    def _build_first_pass_tables(self) -> None:
        """Scores of the first-pass tags around a word, one table per feature template."""
        labels = list(self.labels)
        self.single = {
            name: np.array([self._sum([f"{name}={a}"]) for a in labels])
            for name in ("n1", "n2", "q1", "q2")
        }
        self.pair = {
            name: np.array([[self._sum([f"{name}={a},{b}"]) for b in labels] for a in labels])
            for name in ("n1,n2", "q1,q2", "q1,n1")
        }

    def _add_entries(
        self, words: Iterable[str], lexical: Callable[[str], Sequence[str]], tagdict: dict[str, str]
    ) -> None:
        """Give every new word its five rows, its fixed tag and its tag-word table."""
        with self._lock:  # threads share a loaded tagger; entries are added one batch at a time
            new = [word for word in dict.fromkeys(words) if word not in self.entries]
            if not new:
                return
            lowers = [word if word in _PADS else _normalise(word) for word in new]
            rows = np.stack(
                [
                    self._summed(self._own_features(new, lowers, lexical)),
                    self._summed([[f"w-2={lower}" for lower in lowers]]),
                    self._summed(
                        [[f"w-1={lower}" for lower in lowers], [f"s3-1={x[-3:]}" for x in lowers]]
                    ),
                    self._summed(
                        [[f"w+1={lower}" for lower in lowers], [f"s3+1={x[-3:]}" for x in lowers]]
                    ),
                    self._summed([[f"w+2={lower}" for lower in lowers]]),
                ]
            )
            first, end = len(self.entries), len(self.entries) + len(new)
            if end > len(self.fixed):  # grow by doubling; readers keep their older arrays
                capacity = max(2 * len(self.fixed), end, 1024)
                self.rows = _grown(self.rows, capacity, axis=1)
                self.fixed = _grown(self.fixed, capacity, axis=0)
                self.tag_word_of = _grown(self.tag_word_of, capacity, axis=0)
            self.rows[:, first:end] = rows
            self.fixed[first:end] = [self.index.get(tagdict.get(lower, ""), -1) for lower in lowers]
            self.tag_word_of[first:end] = [self.tag_word_ids.get(lower, 0) for lower in lowers]
            for i, word in enumerate(new, start=first):
                self.entries[word] = i

    @staticmethod
    def _own_features(
        words: list[str], lowers: list[str], lexical: Callable[[str], Sequence[str]]
    ) -> list[list[str | None]]:
        """A word's own features, one list per template: the k-th feature of every word."""
        columns: list[list[str | None]] = [
            [f"w={lower}" for lower in lowers],
            *([f"s{n}={lower[-n:]}" for lower in lowers] for n in range(1, 6)),
            [f"p1={lower[:1]}" for lower in lowers],
            [f"shape={_shape(word)}" for word in words],
        ]
        from_lexicon = [() if word in _PADS else lexical(word) for word in words]
        for k in range(max(map(len, from_lexicon), default=0)):
            columns.append(
                [features[k] if k < len(features) else None for features in from_lexicon]
            )
        for i, word in enumerate(words):
            if word in _PADS:  # a padding entry has one feature of its own
                columns[0][i] = f"pad={word}"
                for column in columns[1:]:
                    column[i] = None
        return columns

    def _summed(self, columns: list[list[str | None]]) -> np.ndarray:
        """Each word's summed weights: column after column, as a word's features are summed."""
        get, unseen = self.feature_ids.get, len(self.matrix) - 1
        total = self.matrix[list(map(get, columns[0], repeat(unseen)))]
        for column in columns[1:]:  # None, a missing feature, is an unseen one (a zero row)
            total += self.matrix[list(map(get, column, repeat(unseen)))]
        return total

    def tag(
        self,
        sentences: Sequence[Sequence[str]],
        lexical: Callable[[str], Sequence[str]],
        tagdict: dict[str, str],
        first_pass: Sequence[Sequence[str]] | None,
    ) -> list[list[str]]:
        entries = self.entries
        new = [word for sentence in sentences for word in sentence if word not in entries]
        if new:
            self._add_entries(new, lexical, tagdict)
        sequence: list[int] = []
        for sentence in sentences:
            sequence += _PAD_IDS[:2]
            sequence += [entries[word] for word in sentence]
            sequence += _PAD_IDS[2:]
        seq = np.array(sequence, dtype=np.intp)
        tokens = np.flatnonzero(seq >= len(_PAD_IDS))
        own, left2, left1, right1, right2 = self.rows
        scores = (
            own[seq[tokens]]
            + left2[seq[tokens - 2]]
            + left1[seq[tokens - 1]]
            + right1[seq[tokens + 1]]
            + right2[seq[tokens + 2]]
            + self.bias
        )
        if first_pass is not None:
            scores += self._first_pass_scores(seq, tokens, first_pass)
        fixed = self.fixed[seq[tokens]]
        if self.uses_history:
            best = self._decode(scores, fixed, self.tag_word_of[seq[tokens]], sentences)
        else:
            best = np.where(fixed >= 0, fixed, scores.argmax(axis=1))
        names = [self.tags[i] for i in best.tolist()]
        tagged, start = [], 0
        for sentence in sentences:
            tagged.append(names[start : start + len(sentence)])
            start += len(sentence)
        return tagged

    def _first_pass_scores(
        self, seq: np.ndarray, tokens: np.ndarray, first_pass: Sequence[Sequence[str]]
    ) -> np.ndarray:
        """Scores of the features :func:`first_pass_features` gives every token."""
        # A missing neighbour is -START- or -END-, a missing second neighbour -START2- or -END2-.
        labels = self.labels
        near = np.array([labels[_START[0]]] * 2 + [labels[_END[0]]] * 2, dtype=np.intp)[seq % 4]
        far = np.array([labels[_START[1]]] * 2 + [labels[_END[1]]] * 2, dtype=np.intp)[seq % 4]
        tags = [labels[tag] for sentence in first_pass for tag in sentence]
        near[tokens] = far[tokens] = tags
        before, before2 = near[tokens - 1], far[tokens - 2]
        after, after2 = near[tokens + 1], far[tokens + 2]
        return (
            self.single["n1"][after]
            + self.single["n2"][after2]
            + self.pair["n1,n2"][after, after2]
            + self.single["q1"][before]
            + self.single["q2"][before2]
            + self.pair["q1,q2"][before, before2]
            + self.pair["q1,n1"][before, after]
        )

    def _decode(
        self,
        scores: np.ndarray,
        fixed: np.ndarray,
        tag_words: np.ndarray,
        sentences: Sequence[Sequence[str]],
    ) -> np.ndarray:
        """Greedy left-to-right decoding with tag history, all sentences in step."""
        lengths = np.array([len(sentence) for sentence in sentences], dtype=np.intp)
        order = np.argsort(-lengths, kind="stable")
        starts = (np.cumsum(lengths) - lengths)[order]
        active = np.bincount(lengths, minlength=1)[::-1].cumsum()[::-1]  # sentences longer than j
        previous = np.full(len(sentences), self.labels[_START[0]], dtype=np.intp)
        before = np.full(len(sentences), self.labels[_START[1]], dtype=np.intp)
        best = np.empty(len(scores), dtype=np.intp)
        for position in range(int(lengths.max(initial=0))):
            count = int(active[position + 1])
            at = starts[:count] + position
            p, q = previous[:count], before[:count]
            step = scores[at] + self.transition[p, q] + self.tag_word[tag_words[at], p]
            chosen = np.where(fixed[at] >= 0, fixed[at], step.argmax(axis=1))
            best[at] = chosen
            before[:count] = p
            previous[:count] = chosen
        return best


_ROW_KINDS = 5


def _grown(array: np.ndarray, capacity: int, axis: int) -> np.ndarray:
    shape = list(array.shape)
    shape[axis] = capacity - shape[axis]
    return np.concatenate([array, np.zeros(shape, dtype=array.dtype)], axis=axis)


_PAD_ENTRIES = (*_START, *_END)
_PAD_IDS = [0, 1, 2, 3]
