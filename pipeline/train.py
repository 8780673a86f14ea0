"""Train the steering classifier on annotated sentences and write its model card."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline

from pipeline.annotate import Annotator
from pipeline.cards import CARD_FILE
from pipeline.classify import (
    MODEL_FILE,
    SteeringModel,
    calibrated,
    forget_loaded_models,
    log_odds,
    model_inputs,
)
from pipeline.cues import CUES_VERSION
from pipeline.errors import Errors, SedimentError
from pipeline.features import LinearModel
from pipeline.records import LABELS
from pipeline.settings import PROJECT_ROOT

REQUIRED_COLUMNS = ("sentence_id", "doc_id", "text", *LABELS)
GUIDELINE_CUES = PROJECT_ROOT / "corpora" / "annotations" / "guideline_cues.csv"
GOVERNANCE_PROXY = (
    PROJECT_ROOT / "corpora" / "annotations" / "proxy" / "governance_v1_adjudicated.csv",
)
_THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
_FOLDS = 5
_C = 10.0
_BOOTSTRAP_DRAWS = 2000


@dataclass(frozen=True)
class AnnotatedSet:
    """Labelled sentences: texts, document groups and a 0/1 matrix (n × labels)."""

    sentence_ids: list[str]
    doc_ids: list[str]
    texts: list[str]
    labels: np.ndarray
    sha256: str

    def subset(self, keep: np.ndarray) -> AnnotatedSet:
        """The sentences where ``keep`` is true."""
        return AnnotatedSet(
            sentence_ids=[s for s, k in zip(self.sentence_ids, keep, strict=True) if k],
            doc_ids=[d for d, k in zip(self.doc_ids, keep, strict=True) if k],
            texts=[t for t, k in zip(self.texts, keep, strict=True) if k],
            labels=self.labels[keep],
            sha256=self.sha256,
        )


def _labelled_rows(
    path: Path, data: bytes, required: Sequence[str]
) -> Iterator[tuple[int, dict[str, str], tuple[int, ...]]]:
    """The rows of a labelled CSV: line number, row and its 0/1 labels.

    Raises:
        SedimentError: A column is missing or a label is not 0/1.
    """
    reader = csv.DictReader(data.decode("utf-8-sig").splitlines())
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise SedimentError(
            Errors.BAD_ANNOTATIONS, path=path, problem=f"missing column(s) {missing}"
        )
    for line_no, row in enumerate(reader, start=2):
        values = tuple(row[label].strip() for label in LABELS)
        if any(value not in {"0", "1"} for value in values):
            raise SedimentError(
                Errors.BAD_ANNOTATIONS,
                path=path,
                problem=f"line {line_no}: labels must be 0 or 1, got {values}",
            )
        yield line_no, row, tuple(int(value) for value in values)


def read_annotations(paths: Sequence[Path]) -> AnnotatedSet:
    """Read annotation CSVs (format of ANNOTATION.md), one row per sentence.

    Raises:
        SedimentError: A column is missing, a label is not 0/1, or one
            ``sentence_id`` carries two different label sets.
    """
    digest = hashlib.sha256()
    rows: dict[str, tuple[str, str, tuple[int, ...]]] = {}
    for path in paths:
        data = path.read_bytes()
        digest.update(data)
        for line_no, row, labels in _labelled_rows(path, data, REQUIRED_COLUMNS):
            key = row["sentence_id"]
            if key in rows and rows[key][2] != labels:
                raise SedimentError(
                    Errors.BAD_ANNOTATIONS,
                    path=path,
                    problem=f"line {line_no}: sentence_id {key!r} appears with other labels",
                )
            rows[key] = (row["doc_id"], row["text"], labels)
    ids = sorted(rows)
    return AnnotatedSet(
        sentence_ids=ids,
        doc_ids=[rows[i][0] for i in ids],
        texts=[rows[i][1] for i in ids],
        labels=np.array([rows[i][2] for i in ids], dtype=int).reshape(-1, len(LABELS)),
        sha256=digest.hexdigest(),
    )


class GuidelineRows(NamedTuple):
    """The guidelines' cue phrases, look-alikes and examples as rows added to every fit.

    The annotated sentences come from the shared corpora, where many cues of
    ANNOTATION.md never occur; these rows make such a cue count for its
    logic, as much as one annotated sentence does. They are never scored.

    Attributes:
        kinds: Rows per value of the optional ``kind`` column.
    """

    inputs: pd.DataFrame
    labels: np.ndarray
    file: str
    kinds: dict[str, int]
    sha256: str


def read_guideline_rows(annotator: Annotator, path: Path = GUIDELINE_CUES) -> GuidelineRows:
    """Read labelled guideline phrases (columns ``text``, the labels, optional ``kind``).

    Raises:
        SedimentError: A column is missing or a label is not 0/1.
    """
    data = path.read_bytes()
    texts, labels, kinds = [], [], Counter()
    for _, row, row_labels in _labelled_rows(path, data, ("text", *LABELS)):
        texts.append(row["text"])
        labels.append(row_labels)
        kinds[row.get("kind") or "row"] += 1
    return GuidelineRows(
        inputs=model_inputs(texts, annotator.lemmatize_texts(texts)),
        labels=np.array(labels, dtype=int).reshape(-1, len(LABELS)),
        file=path.name,
        kinds=dict(kinds),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def fit_pipeline(inputs: pd.DataFrame, labels: np.ndarray, guide: GuidelineRows) -> Pipeline:
    """A new pipeline fitted on annotated sentences plus the guidelines' cue rows."""
    return new_pipeline().fit(
        pd.concat([inputs, guide.inputs], ignore_index=True), np.vstack([labels, guide.labels])
    )


def model_folder(models_root: Path, version: str) -> Path:
    """Where a model version lives: ``steering-v7`` in ``<models_root>/v7``."""
    return models_root / version.removeprefix("steering-")


def kappa(first: Sequence[int], second: Sequence[int]) -> float:
    """Cohen's kappa of two 0/1 annotations of the same items."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p_first, p_second = sum(first) / n, sum(second) / n
    expected = p_first * p_second + (1 - p_first) * (1 - p_second)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def new_pipeline() -> Pipeline:
    """Lemma 1–2-grams, character 3–5-grams and guideline cues into one logistic regression each."""
    features = ColumnTransformer(
        [
            (
                "lemmas",
                TfidfVectorizer(
                    token_pattern=r"\S+", ngram_range=(1, 2), min_df=2, sublinear_tf=True
                ),
                "lemmas",
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True
                ),
                "text",
            ),
            (
                "cues",
                CountVectorizer(token_pattern=r"\S+", binary=True, lowercase=False),
                "cues",
            ),
        ]
    )
    classifier = MultiOutputClassifier(LogisticRegression(C=_C, max_iter=3000))
    return Pipeline([("features", features), ("classifier", classifier)])


def _probabilities(pipeline: Pipeline, inputs: object) -> np.ndarray:
    return np.column_stack([p[:, 1] for p in pipeline.predict_proba(inputs)])


def scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
    """Precision, recall and F1 per label and their macro average."""
    report = {}
    for index, label in enumerate(LABELS):
        precision, recall, f1, _ = precision_recall_fscore_support(
            gold[:, index], predicted[:, index], average="binary", zero_division=0
        )
        report[label] = {
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
            "positives": int(gold[:, index].sum()),
        }
    report["macro"] = {
        key: round(float(np.mean([report[label][key] for label in LABELS])), 4)
        for key in ("precision", "recall", "f1")
    }
    return report


def document_interval(
    gold: np.ndarray, predicted: np.ndarray, doc_ids: Sequence[str], seed: int = 0
) -> dict[str, list[float] | None]:
    """95 % bootstrap intervals of each label's F1 and the macro-F1, resampling documents.

    Sentences of one document are not independent, so whole documents are
    drawn with replacement (:data:`_BOOTSTRAP_DRAWS` times), as a new set of
    unseen documents would be: a percentile bootstrap, approximate when the
    documents are few and of very different sizes. A draw with neither a gold
    nor a predicted positive of a label has no F1 for it (where :func:`scores`
    would count 0) and is left out of that label's and the macro interval; a
    label no draw defines has none (``None``).

    Raises:
        ValueError: ``gold``, ``predicted`` and ``doc_ids`` differ in length.
    """
    if not len(gold) == len(predicted) == len(doc_ids):
        raise ValueError("gold, predicted and doc_ids must have one row per sentence")
    documents = np.array(doc_ids)
    rows_of = [np.flatnonzero(documents == doc) for doc in sorted(set(doc_ids))]
    rng = np.random.default_rng(seed)
    draws = np.zeros((_BOOTSTRAP_DRAWS, len(LABELS) + 1))
    for draw in range(_BOOTSTRAP_DRAWS):
        rows = np.concatenate([rows_of[i] for i in rng.integers(len(rows_of), size=len(rows_of))])
        true, said = gold[rows].astype(bool), predicted[rows].astype(bool)
        hits = (true & said).sum(axis=0)
        errors = (true ^ said).sum(axis=0)
        with np.errstate(invalid="ignore"):
            f1 = 2 * hits / (2 * hits + errors)  # nan where the label never occurs
        draws[draw] = [*f1, f1.mean()]
    intervals: dict[str, list[float] | None] = {}
    for name, column in zip([*LABELS, "macro"], draws.T, strict=True):
        defined = column[~np.isnan(column)]
        intervals[name] = (
            [round(float(bound), 4) for bound in np.percentile(defined, [2.5, 97.5])]
            if defined.size
            else None
        )
    return intervals


@dataclass(frozen=True)
class _Fitted:
    model: SteeringModel
    cross_validation: dict[str, object]


def grouped_folds(data: AnnotatedSet) -> list[tuple[np.ndarray, np.ndarray]]:
    """The grouped cross-validation folds of ``data``: (train rows, test rows), by document.

    The folds depend only on the sentences and their documents, so two models
    evaluated on the same annotations are evaluated on the same folds.

    Raises:
        SedimentError: The sentences come from fewer documents than folds.
    """
    documents = len(set(data.doc_ids))
    if documents < _FOLDS:
        raise SedimentError(
            Errors.TOO_FEW_EXAMPLES,
            problem=f"grouped cross-validation needs {_FOLDS} documents, the annotations "
            f"come from {documents}",
        )
    return list(GroupKFold(n_splits=_FOLDS).split(data.texts, groups=data.doc_ids))


def out_of_fold(
    evaluation: AnnotatedSet,
    evaluation_inputs: pd.DataFrame,
    training: AnnotatedSet,
    training_inputs: pd.DataFrame,
    guide: GuidelineRows,
) -> np.ndarray:
    """Raw probabilities for ``evaluation`` from models that never saw a sentence's document.

    For each of :func:`grouped_folds` of ``evaluation``, a new pipeline is
    fitted on the ``training`` sentences from documents outside the fold's
    test documents, plus the guidelines' cue rows, and scores the fold's test
    sentences.

    Raises:
        SedimentError: A fold's training sentences hold no positive (or no
            negative) example of a label.
    """
    raw = np.zeros(evaluation.labels.shape)
    training_docs = np.array(training.doc_ids)
    for _, test_rows in grouped_folds(evaluation):
        test_docs = {evaluation.doc_ids[row] for row in test_rows}
        keep = ~np.isin(training_docs, list(test_docs))
        for index, label in enumerate(LABELS):
            positives = int(training.labels[keep, index].sum())
            if positives in (0, int(keep.sum())):
                raise SedimentError(
                    Errors.TOO_FEW_EXAMPLES,
                    problem=f"label {label!r} has {int(training.labels[:, index].sum())} "
                    f"positive sentences in {len(training.texts)}; every cross-validation fold "
                    "needs positive and negative examples to learn from",
                )
        fold = fit_pipeline(training_inputs[keep], training.labels[keep], guide)
        raw[test_rows] = _probabilities(fold, evaluation_inputs.iloc[test_rows])
    return raw


class Calibration(NamedTuple):
    """Platt scaling and thresholds fitted on out-of-fold predictions, and what they give."""

    platt: dict[str, tuple[float, float]]
    thresholds: dict[str, float]
    probabilities: np.ndarray
    decisions: np.ndarray


def calibrate(raw: np.ndarray, gold: np.ndarray) -> Calibration:
    """Platt scaling per label and the F1-maximising threshold on the calibrated values."""
    calibration, thresholds = {}, {}
    probabilities = np.zeros(raw.shape)
    for index, label in enumerate(LABELS):
        platt = LogisticRegression(C=1e6).fit(
            log_odds(raw[:, index]).reshape(-1, 1), gold[:, index]
        )
        calibration[label] = (float(platt.coef_[0][0]), float(platt.intercept_[0]))
        probabilities[:, index] = calibrated(raw[:, index], *calibration[label])
        f1_at = [
            precision_recall_fscore_support(
                gold[:, index], probabilities[:, index] >= t, average="binary", zero_division=0
            )[2]
            for t in _THRESHOLD_GRID
        ]
        thresholds[label] = float(_THRESHOLD_GRID[int(np.argmax(f1_at))])
    decided = probabilities >= np.array([thresholds[label] for label in LABELS])
    return Calibration(calibration, thresholds, probabilities, decided)


def _fit(data: AnnotatedSet, inputs: pd.DataFrame, version: str, guide: GuidelineRows) -> _Fitted:
    """Grouped cross-validation, Platt calibration and thresholds on its predictions, final fit."""
    raw = out_of_fold(data, inputs, data, inputs, guide)
    fitted = calibrate(raw, data.labels)
    final = LinearModel.from_pipeline(fit_pipeline(inputs, data.labels, guide))
    probabilities = fitted.probabilities
    brier = {
        label: {
            "raw": round(float(np.mean((raw[:, i] - data.labels[:, i]) ** 2)), 4),
            "calibrated": round(float(np.mean((probabilities[:, i] - data.labels[:, i]) ** 2)), 4),
        }
        for i, label in enumerate(LABELS)
    }
    return _Fitted(
        SteeringModel(version, final, fitted.thresholds, fitted.platt),
        {
            "folds": _FOLDS,
            "groups": "doc_id",
            **scores(data.labels, fitted.decisions),
            "brier": brier,
        },
    )


def predict_unseen(
    data: AnnotatedSet,
    lemmas: Sequence[Sequence[str]],
    unseen: np.ndarray,
    guide: GuidelineRows,
) -> np.ndarray:
    """0/1 decisions for the ``unseen`` sentences by a model trained the same way on the others.

    Training leaves out the unseen documents and also every other sentence
    with the text of an unseen one: motions are tabled again year after year,
    so a held-out sentence can recur word for word in another document.
    """
    inputs = model_inputs(data.texts, lemmas)
    unseen_texts = {" ".join(text.split()) for text, u in zip(data.texts, unseen, strict=True) if u}
    training = ~unseen & ~np.isin(
        [" ".join(text.split()) for text in data.texts], list(unseen_texts)
    )
    without = _fit(
        data.subset(training), inputs[training].reset_index(drop=True), "held-out", guide
    ).model
    return without.decide(
        without.probabilities(
            [text for text, u in zip(data.texts, unseen, strict=True) if u],
            [sentence for sentence, u in zip(lemmas, unseen, strict=True) if u],
        )
    )


def train(
    annotation_paths: Sequence[Path],
    annotator: Annotator,
    out_dir: Path,
    version: str,
    held_out_docs: Sequence[str] = (),
    proxy_paths: Sequence[Path] = GOVERNANCE_PROXY,
) -> dict[str, object]:
    """Train, cross-validate grouped by document, calibrate, choose thresholds, and save.

    Thresholds are the per-label values that maximise F1 on calibrated
    out-of-fold probabilities; the grouped-CV scores use them, so they are
    slightly optimistic. With ``held_out_docs``, a second model is trained the
    same way without those documents (:func:`predict_unseen`) and scored on
    their sentences, with intervals from resampling them: an honest estimate
    for unseen documents (none when no annotated sentence comes from them).
    The saved model is trained on everything; with ``proxy_paths`` (annotation
    CSVs never trained on) it is also scored on their sentences.

    Returns:
        The model card, also written as ``card.json`` and ``card.md``.
    """
    data = read_annotations(annotation_paths)
    guide = read_guideline_rows(annotator)
    lemmas = annotator.lemmatize_texts(data.texts)
    inputs = model_inputs(data.texts, lemmas)
    fitted = _fit(data, inputs, version, guide)
    held_out = None
    unseen = np.isin(data.doc_ids, list(held_out_docs))
    if unseen.any():
        predicted = predict_unseen(data, lemmas, unseen, guide)
        held_out = {
            "documents": sorted(set(np.array(data.doc_ids)[unseen].tolist())),
            "sentences": int(unseen.sum()),
            **scores(data.labels[unseen], predicted),
            "f1_interval_95": document_interval(
                data.labels[unseen], predicted, np.array(data.doc_ids)[unseen].tolist()
            ),
            "interval_method": f"percentile bootstrap over documents, {_BOOTSTRAP_DRAWS} "
            "draws, seed 0",
        }
    proxy = None
    if proxy_paths:
        proxy_data = read_annotations(proxy_paths)
        proxy = {
            "files": [path.name for path in proxy_paths],
            "sha256": proxy_data.sha256,
            "sentences": len(proxy_data.texts),
            **_scored(proxy_data, fitted.model, annotator),
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    fitted.model.linear.save(out_dir / MODEL_FILE)
    card = {
        "version": version,
        "trained": dt.date.today().isoformat(),
        "training_data": {
            "files": [path.name for path in annotation_paths],
            "sha256": data.sha256,
            "sentences": len(data.texts),
            "documents": len(set(data.doc_ids)),
            "positives": {label: int(data.labels[:, i].sum()) for i, label in enumerate(LABELS)},
            "guideline_rows": {
                "file": guide.file,
                "rows": len(guide.labels),
                "kinds": guide.kinds,
                "sha256": guide.sha256,
            },
        },
        "annotator_version": annotator.version,
        "cues_version": CUES_VERSION,
        "features": "tf-idf of lemma 1-2-grams and character 3-5-grams (char_wb); "
        f"guideline cue indicators and one per logic (pipeline/cues.py, version {CUES_VERSION})",
        "classifier": f"one logistic regression per label (C={_C}), Platt-calibrated on "
        "grouped out-of-fold predictions",
        "format": f"{MODEL_FILE}: vocabularies, idf weights and coefficients as plain NumPy "
        "arrays, loaded without pickle",
        "thresholds": fitted.model.thresholds,
        "calibration": fitted.model.calibration,
        "grouped_cv": fitted.cross_validation,
        "held_out": held_out,
        "governance_proxy": proxy,
        "libraries": {
            name: package_version(name) for name in ("scikit-learn", "numpy", "simplemma")
        }
        | {"python": platform.python_version()},
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "card.md").write_text(render_card(card), encoding="utf-8")
    forget_loaded_models()
    return card


def evaluate(
    annotation_paths: Sequence[Path], model: SteeringModel, annotator: Annotator
) -> dict[str, dict[str, float]]:
    """Per-label precision, recall and F1 of ``model`` on annotated sentences."""
    return _scored(read_annotations(annotation_paths), model, annotator)


def _scored(
    data: AnnotatedSet, model: SteeringModel, annotator: Annotator
) -> dict[str, dict[str, float]]:
    lemmas = annotator.lemmatize_texts(data.texts)
    decided = np.array(
        [[s.decisions[label] for label in LABELS] for s in model.predict(data.texts, lemmas)]
    ).reshape(-1, len(LABELS))
    return scores(data.labels, decided)


def _scores_table(report: dict, thresholds: dict[str, float]) -> list[str]:
    lines = [
        "| label | positives | threshold | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label in LABELS:
        row = report[label]
        lines.append(
            f"| {label} | {row['positives']} | {thresholds[label]} | {row['precision']} | "
            f"{row['recall']} | {row['f1']} |"
        )
    macro = report["macro"]
    return [*lines, f"| macro | | | {macro['precision']} | {macro['recall']} | {macro['f1']} |"]


def render_card(card: dict) -> str:
    """The model card as Markdown."""
    cv = card["grouped_cv"]
    lines = [
        f"# Steering classifier {card['version']}",
        "",
        f"Trained {card['trained']} on {card['training_data']['sentences']} sentences from "
        f"{card['training_data']['documents']} documents "
        f"(files {', '.join(card['training_data']['files'])}; "
        f"sha256 `{card['training_data']['sha256'][:12]}…`).",
        "",
        f"Features: {card['features']}. Classifier: {card['classifier']}.",
        "Every fit also learns from rows of ANNOTATION.md ("
        + ", ".join(
            f"{n} {kind}" for kind, n in card["training_data"]["guideline_rows"]["kinds"].items()
        )
        + f"; {card['training_data']['guideline_rows']['file']}).",
        f"Stored as {card['format']}.",
        f"Lemmas from annotator `{card['annotator_version']}`.",
        "",
        f"## Grouped {cv['folds']}-fold cross-validation (by document)",
        "",
        *_scores_table(cv, card["thresholds"]),
        "",
        "Thresholds maximise F1 on the same calibrated out-of-fold probabilities, so these "
        "scores are slightly optimistic. Brier score (raw → calibrated): "
        + ", ".join(
            f"{label} {cv['brier'][label]['raw']} → {cv['brier'][label]['calibrated']}"
            for label in LABELS
        )
        + ".",
        "",
    ]
    if card.get("held_out"):
        held_out = card["held_out"]
        lines += [
            "## Held-out documents",
            "",
            f"A model trained the same way without {len(held_out['documents'])} documents "
            "(nor any sentence elsewhere with the text of one of theirs), scored on their "
            f"{held_out['sentences']} annotated sentences (its own thresholds):",
            "",
            *_scores_table(held_out, {label: "" for label in LABELS}),
            "",
            f"95 % intervals of F1 ({held_out['interval_method']}; approximate with few "
            "documents): "
            + ", ".join(
                f"{name} {bounds[0]}–{bounds[1]}" if bounds else f"{name} –"
                for name, bounds in held_out["f1_interval_95"].items()
            )
            + ".",
            "",
            "Documents: " + ", ".join(f"`{doc}`" for doc in held_out["documents"]) + ".",
            "",
        ]
    if card.get("governance_proxy"):
        proxy = card["governance_proxy"]
        lines += [
            "## Constructed governance sentences",
            "",
            f"The saved model on {proxy['sentences']} sentences written in the style of "
            "municipal and agency steering documents and labelled by the guidelines "
            f"({', '.join(proxy['files'])}; not from the corpora, never trained on). Most "
            "contain a phrase of the guidelines word for word, so they check that the model "
            "knows the guidelines' phrases more than how it fares on real governance documents.",
            "",
            *_scores_table(proxy, {label: "" for label in LABELS}),
            "",
        ]
    lines += [
        "Libraries: " + ", ".join(f"{k} {v}" for k, v in card["libraries"].items()) + ".",
        "",
    ]
    return "\n".join(lines)
