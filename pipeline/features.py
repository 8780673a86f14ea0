"""The steering model at run time: tf-idf blocks and one linear score per label, in NumPy.

Training fits scikit-learn vectorizers and logistic regressions
(:func:`pipeline.train.new_pipeline`); :meth:`LinearModel.from_pipeline` copies
what they learned — vocabularies, idf weights, coefficients — into plain arrays.
Scoring them here gives the same probabilities as the scikit-learn pipeline
(tested) several times faster: a word's character n-grams are looked up once
and remembered, not once per occurrence. The arrays are saved in one ``.npz``
file that is loaded with ``allow_pickle=False``, so a model file cannot run code.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from pipeline.errors import Errors, SedimentError

if TYPE_CHECKING:  # scikit-learn is needed to train, not to score
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.pipeline import Pipeline

FORMAT_VERSION = 1
_WORD_CACHE_LIMIT = 100_000  # remembered words per block (about 40 MB) before the memory is emptied


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """Character n-grams of one word padded with spaces, as scikit-learn's ``char_wb``."""
    padded = f" {word} "
    grams = []
    for n in range(low, high + 1):
        grams += [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
        if len(padded) <= n:  # a short word is counted once, at its full length
            break
    return grams


@dataclass(frozen=True, eq=False)
class FeatureBlock:
    """The features one vectorizer made from one input column.

    Attributes:
        name: The block's name, the prefix of its feature names ("chars").
        column: The input column it reads ("text", "lemmas" or "cues").
        analyzer: "word" (white-space separated tokens) or "char_wb".
        ngram_range: Smallest and largest n.
        lowercase: Whether the input is lower-cased first.
        binary: Whether a feature counts once however often it occurs.
        sublinear_tf: Whether a count c becomes 1 + log(c).
        idf: Inverse document frequency per feature, or None for raw counts.
        normalize: Whether each row is scaled to unit length.
        terms: The features' terms, by column index.
    """

    name: str
    column: str
    analyzer: str
    ngram_range: tuple[int, int]
    lowercase: bool
    binary: bool
    sublinear_tf: bool
    idf: np.ndarray | None
    normalize: bool
    terms: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _word_columns: dict[str, list[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {term: i for i, term in enumerate(self.terms)})

    @classmethod
    def from_vectorizer(
        cls, name: str, column: str, vectorizer: CountVectorizer | TfidfVectorizer
    ) -> FeatureBlock:
        """Copy a fitted vectorizer of the kinds :func:`pipeline.train.new_pipeline` makes.

        Raises:
            ValueError: The vectorizer uses an option this module does not implement.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        params = vectorizer.get_params()
        supported = (
            params["analyzer"] in {"word", "char_wb"}
            and (params["analyzer"] == "char_wb" or params["token_pattern"] == r"\S+")
            and params["strip_accents"] is None
            and params["preprocessor"] is None
            and params["tokenizer"] is None
            and params["stop_words"] is None
            and params.get("norm", "l2") in {"l2", None}
        )
        if not supported:
            raise ValueError(f"block {name!r}: unsupported vectorizer options {params}")
        is_tfidf = isinstance(vectorizer, TfidfVectorizer)
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(
            name=name,
            column=column,
            analyzer=params["analyzer"],
            ngram_range=tuple(params["ngram_range"]),
            lowercase=params["lowercase"],
            binary=params["binary"],
            sublinear_tf=is_tfidf and params["sublinear_tf"],
            idf=np.asarray(vectorizer.idf_, dtype=np.float64)
            if is_tfidf and params["use_idf"]
            else None,
            normalize=is_tfidf and params["norm"] == "l2",
            terms=tuple(terms),
        )

    def _columns_of_word(self, word: str) -> list[int]:
        """Column indices of a new word's character n-grams in the vocabulary, remembered."""
        if len(self._word_columns) >= _WORD_CACHE_LIMIT:
            self._word_columns.clear()
        index = self._index
        grams = char_wb_ngrams(word, *self.ngram_range)
        columns = self._word_columns[word] = [index[g] for g in grams if g in index]
        return columns

    def _columns(self, document: str) -> list[int]:
        """Column indices of a document's terms, once per occurrence."""
        if self.lowercase:
            document = document.lower()
        if self.analyzer == "char_wb":
            columns: list[int] = []
            remembered = self._word_columns
            for word in document.split():  # as scikit-learn's char_wb splits
                found = remembered.get(word)
                columns += self._columns_of_word(word) if found is None else found
            return columns
        tokens = document.split()
        low, high = self.ngram_range
        index = self._index
        terms = [
            " ".join(tokens[i : i + n]) if n > 1 else tokens[i]
            for n in range(low, high + 1)
            for i in range(len(tokens) - n + 1)
        ]
        return [index[term] for term in terms if term in index]

    def transform(self, documents: Sequence[str]) -> sp.csr_matrix:
        """The block's feature matrix, one row per document, as scikit-learn computes it."""
        columns: list[int] = []
        starts = [0]
        for document in documents:
            columns += self._columns(document)
            starts.append(len(columns))
        matrix = sp.csr_matrix(
            (np.ones(len(columns)), np.array(columns, dtype=np.int32), np.array(starts)),
            shape=(len(documents), len(self.terms)),
        )
        matrix.sum_duplicates()  # a term that occurs twice: one column with its count
        if self.binary:
            matrix.data[:] = 1.0
        if self.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        if self.idf is not None:
            matrix.data *= self.idf[matrix.indices]
        if self.normalize:  # summed row by row in scikit-learn's order, so the result is the same
            rows = np.repeat(np.arange(len(documents)), np.diff(matrix.indptr))
            squares = np.bincount(rows, weights=matrix.data * matrix.data, minlength=len(documents))
            lengths = np.sqrt(squares)
            lengths[lengths == 0] = 1.0
            matrix.data /= lengths[rows]
        return matrix

    def config(self) -> dict[str, Any]:
        """The block's settings, for the model file (the arrays are stored beside them)."""
        return {
            "name": self.name,
            "column": self.column,
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "lowercase": self.lowercase,
            "binary": self.binary,
            "sublinear_tf": self.sublinear_tf,
            "normalize": self.normalize,
        }


@dataclass(frozen=True, eq=False)
class LinearModel:
    """Feature blocks and a logistic regression per label over all their columns.

    Attributes:
        blocks: Feature blocks, in the order their columns are stacked.
        coef: Coefficients, one row per label.
        intercept: Intercept per label.
    """

    blocks: tuple[FeatureBlock, ...]
    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> LinearModel:
        """Copy a fitted pipeline of :func:`pipeline.train.new_pipeline`."""
        features = pipeline.named_steps["features"]
        blocks = tuple(
            FeatureBlock.from_vectorizer(name, column, vectorizer)
            for name, vectorizer, column in features.transformers_
            if name != "remainder"
        )
        estimators = pipeline.named_steps["classifier"].estimators_
        return cls(
            blocks=blocks,
            coef=np.vstack([estimator.coef_[0] for estimator in estimators]),
            intercept=np.array([estimator.intercept_[0] for estimator in estimators]),
        )

    def features(self, columns: Mapping[str, Sequence[str]]) -> sp.csr_matrix:
        """All blocks' features side by side, one row per sentence."""
        return sp.hstack(
            [block.transform(columns[block.column]) for block in self.blocks], format="csr"
        )

    def probabilities(self, columns: Mapping[str, Sequence[str]]) -> np.ndarray:
        """Uncalibrated probability per sentence (rows) and label (columns)."""
        logits = self.features(columns) @ self.coef.T + self.intercept
        return expit(logits)

    def feature_names(self) -> list[str]:
        """Every column's name, prefixed by its block: ``chars__ tillit``."""
        return [f"{block.name}__{term}" for block in self.blocks for term in block.terms]

    def save(self, path: Path) -> None:
        """Write the model as one compressed ``.npz`` of plain arrays."""
        config = {"format": FORMAT_VERSION, "blocks": [block.config() for block in self.blocks]}
        arrays = {"config": np.array(json.dumps(config)), "coef": self.coef}
        arrays["intercept"] = self.intercept
        for block in self.blocks:
            arrays[f"{block.name}.terms"] = np.array(block.terms, dtype=str)
            if block.idf is not None:
                arrays[f"{block.name}.idf"] = block.idf
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by :meth:`save`; nothing in the file is executed.

        Raises:
            SedimentError: The file holds pickled objects or is not such a model.
        """
        try:
            with np.load(path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            config = json.loads(str(arrays["config"]))
            if config["format"] != FORMAT_VERSION:
                raise ValueError(f"model format {config['format']}, expected {FORMAT_VERSION}")
            blocks = tuple(
                FeatureBlock(
                    **{**block, "ngram_range": tuple(block["ngram_range"])},
                    idf=arrays.get(f"{block['name']}.idf"),
                    terms=tuple(arrays[f"{block['name']}.terms"].tolist()),
                )
                for block in config["blocks"]
            )
            model = cls(blocks, arrays["coef"], arrays["intercept"])
            _check_shapes(model)
        except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile) as error:
            raise SedimentError(Errors.UNSAFE_MODEL, path=path, problem=error) from error
        return model


def _check_shapes(model: LinearModel) -> None:
    """Raise ValueError unless the arrays of a loaded model fit together."""
    n_features = sum(len(block.terms) for block in model.blocks)
    if model.coef.ndim != 2 or model.coef.shape[1] != n_features:
        raise ValueError(f"coefficients of shape {model.coef.shape} for {n_features} features")
    if model.intercept.shape != (model.coef.shape[0],):
        raise ValueError(f"{model.intercept.shape} intercepts for {model.coef.shape[0]} labels")
    for block in model.blocks:
        if block.idf is not None and block.idf.shape != (len(block.terms),):
            raise ValueError(f"block {block.name!r}: {block.idf.shape} idf weights")
