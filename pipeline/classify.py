"""Classify: trust, control and detail probabilities and decisions per sentence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.cards import read_card
from pipeline.cues import CUES_VERSION, cue_tokens_of
from pipeline.errors import Errors, SedimentError
from pipeline.features import LinearModel
from pipeline.loading import LoadOnce
from pipeline.records import CHUNK_SENTENCES, LABELS, AnnotatedSentence, LabelScores

MODEL_FILE = "model.npz"
LemmaFunction = Callable[[Sequence[str]], list[list[str]]]  # texts → lemmas of each


def model_inputs(texts: Sequence[str], lemmas: Sequence[Sequence[str]]) -> pd.DataFrame:
    """The columns a steering model reads: raw text, space-joined lemmas, guideline cues."""
    return pd.DataFrame(
        {
            "text": list(texts),
            "lemmas": [" ".join(sentence) for sentence in lemmas],
            "cues": cue_tokens_of(lemmas),
        }
    )


def log_odds(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p kept away from 0 and 1."""
    clipped = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(clipped / (1 - clipped))


def calibrated(raw: np.ndarray, slope: float, intercept: float) -> np.ndarray:
    """Platt scaling: a logistic function of the log-odds of the raw probabilities."""
    return 1.0 / (1.0 + np.exp(-(slope * log_odds(raw) + intercept)))


@dataclass(frozen=True)
class SteeringModel:
    """A trained classifier with one calibrated probability and one threshold per label.

    Attributes:
        calibration: Per label, the (slope, intercept) of Platt scaling fitted
            on grouped out-of-fold predictions.
    """

    version: str
    linear: LinearModel
    thresholds: dict[str, float]
    calibration: dict[str, tuple[float, float]]

    def probabilities(self, texts: Sequence[str], lemmas: Sequence[Sequence[str]]) -> np.ndarray:
        """Calibrated probabilities, one row per sentence and one column per label.

        Sentences are scored in chunks of :data:`CHUNK_SENTENCES` to bound memory.
        """
        if not texts:
            return np.zeros((0, len(LABELS)))
        chunks = []
        for start in range(0, len(texts), CHUNK_SENTENCES):
            end = start + CHUNK_SENTENCES
            chunks.append(
                self.linear.probabilities(model_inputs(texts[start:end], lemmas[start:end]))
            )
        raw = np.vstack(chunks)
        return np.column_stack(
            [calibrated(raw[:, i], *self.calibration[label]) for i, label in enumerate(LABELS)]
        )

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """0/1 decisions: each label's probability against its threshold."""
        return probabilities >= np.array([self.thresholds[label] for label in LABELS])

    def predict(self, texts: Sequence[str], lemmas: Sequence[Sequence[str]]) -> list[LabelScores]:
        """Score sentences given their text and lemmas."""
        probabilities = self.probabilities(texts, lemmas)
        return [
            LabelScores(
                probabilities={label: float(p) for label, p in zip(LABELS, row, strict=True)},
                decisions={label: bool(d) for label, d in zip(LABELS, decided, strict=True)},
            )
            for row, decided in zip(probabilities, self.decide(probabilities), strict=True)
        ]

    def classify(self, sentences: Sequence[AnnotatedSentence]) -> list[LabelScores]:
        """Score annotated sentences."""
        return self.predict([s.sentence.text for s in sentences], [s.lemmas for s in sentences])

    def explain(
        self, text: str, lemmas: Sequence[str], top: int = 6
    ) -> dict[str, list[tuple[str, float]]]:
        """The features that pushed each label most, up or down, for one sentence.

        Returns:
            Per label, up to ``top`` (feature, contribution to the log-odds)
            pairs, largest effect first. Feature names are prefixed with their
            kind: ``lemmas__``, ``chars__`` or ``cues__``.
        """
        row = self.linear.features(model_inputs([text], [lemmas]))
        names = self.linear.feature_names()
        explained = {}
        for label, coef in zip(LABELS, self.linear.coef, strict=True):
            contributions = row.data * coef[row.indices]
            order = np.argsort(-np.abs(contributions))[:top]
            explained[label] = [
                (str(names[row.indices[i]]), float(contributions[i])) for i in order
            ]
        return explained


def classify_csv(path: Path, model: SteeringModel, lemmatize: LemmaFunction) -> pd.DataFrame:
    """A CSV with a ``text`` column, all its columns kept, plus decisions and probabilities.

    Raises:
        SedimentError: The file is not UTF-8 CSV or has no ``text`` column.
    """
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise SedimentError(Errors.BAD_INPUT_CSV, path=path, problem=error) from error
    if "text" not in table.columns:
        raise SedimentError(
            Errors.BAD_INPUT_CSV, path=path, problem=f"no 'text' column (has {list(table.columns)})"
        )
    texts = table["text"].tolist()
    probabilities = model.probabilities(texts, lemmatize(texts))
    decided = model.decide(probabilities)
    for index, label in enumerate(LABELS):
        table[label] = decided[:, index].astype(int)
    for index, label in enumerate(LABELS):
        table[f"p_{label}"] = probabilities[:, index].round(4)
    return table


def load_model(directory: str | Path) -> SteeringModel:
    """Load a steering model saved by ``sediment train`` (cached per process).

    The cache is keyed by the resolved folder, so a ``current`` link that is
    pointed at another model loads that model.

    The model file holds plain arrays and is read without unpickling anything.

    Raises:
        SedimentError: No model in ``directory``, or its file is not a plain-array model.
    """
    return _load_resolved(str(Path(directory).resolve()))


def forget_loaded_models() -> None:
    """Empty the cache of :func:`load_model`, after a model folder was rewritten."""
    _load_resolved.cache_clear()


@LoadOnce
def _load_resolved(directory: str) -> SteeringModel:
    path = Path(directory) / MODEL_FILE
    if not path.is_file():
        raise SedimentError(
            Errors.MODEL_NOT_FOUND, what="steering", path=path, command="make models"
        )
    linear = LinearModel.load(path)
    card = read_card(directory, "steering")
    if card.get("cues_version") != CUES_VERSION:
        raise SedimentError(
            Errors.MODEL_OUTDATED,
            path=directory,
            found=card.get("cues_version"),
            needed=CUES_VERSION,
        )
    return SteeringModel(
        version=card["version"],
        linear=linear,
        thresholds=card["thresholds"],
        calibration={label: tuple(card["calibration"][label]) for label in LABELS},
    )
