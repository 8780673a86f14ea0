"""Classify: trust, control and detail probabilities and decisions per sentence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import skops.io as sio
from sklearn.pipeline import Pipeline

from pipeline.cards import read_card
from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS, AnnotatedSentence, LabelScores

MODEL_FILE = "model.skops"

# Types a steering model may contain beyond skops' defaults; anything else is refused.
TRUSTED_TYPES = frozenset(
    {
        "builtins.dict",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "sklearn.compose._column_transformer.ColumnTransformer",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.multioutput.MultiOutputClassifier",
        "sklearn.pipeline.Pipeline",
    }
)


def model_inputs(texts: Sequence[str], lemmas: Sequence[Sequence[str]]) -> pd.DataFrame:
    """The two columns a steering model reads: raw text and space-joined lemmas."""
    return pd.DataFrame({"text": list(texts), "lemmas": [" ".join(lem) for lem in lemmas]})


@dataclass(frozen=True)
class SteeringModel:
    """A trained classifier with one probability and one threshold per label."""

    version: str
    pipeline: Pipeline
    thresholds: dict[str, float]

    def predict(self, texts: Sequence[str], lemmas: Sequence[Sequence[str]]) -> list[LabelScores]:
        """Score sentences given their text and lemmas."""
        if not texts:
            return []
        per_label = self.pipeline.predict_proba(model_inputs(texts, lemmas))
        scores = []
        for row in range(len(texts)):
            probabilities = {label: float(per_label[i][row, 1]) for i, label in enumerate(LABELS)}
            scores.append(
                LabelScores(
                    probabilities=probabilities,
                    decisions={
                        label: probabilities[label] >= self.thresholds[label] for label in LABELS
                    },
                )
            )
        return scores

    def classify(self, sentences: Sequence[AnnotatedSentence]) -> list[LabelScores]:
        """Score annotated sentences."""
        return self.predict([s.sentence.text for s in sentences], [s.lemmas for s in sentences])


@cache
def load_model(directory: str) -> SteeringModel:
    """Load a steering model saved by ``sediment train`` (cached per process).

    Only the types in :data:`TRUSTED_TYPES` are accepted; nothing is unpickled.

    Raises:
        SedimentError: No model in ``directory``, or it contains untrusted types.
    """
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise SedimentError(
            Errors.MODEL_NOT_FOUND, what="steering", path=path, command="make models"
        )
    untrusted = set(sio.get_untrusted_types(file=path))
    if untrusted - TRUSTED_TYPES:
        raise SedimentError(
            Errors.UNSAFE_MODEL, path=path, types=", ".join(sorted(untrusted - TRUSTED_TYPES))
        )
    pipeline = sio.load(path, trusted=sorted(untrusted))
    card = read_card(directory, "steering")
    return SteeringModel(version=card["version"], pipeline=pipeline, thresholds=card["thresholds"])
