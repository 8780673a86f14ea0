"""Train the steering classifier on annotated sentences and write its model card."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import GroupKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import Pipeline

from pipeline.annotate import Annotator, tokenize
from pipeline.cards import CARD_FILE
from pipeline.classify import MODEL_FILE, load_model, model_inputs
from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS

REQUIRED_COLUMNS = ("sentence_id", "doc_id", "text", *LABELS)
_THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
_FOLDS = 5


@dataclass(frozen=True)
class AnnotatedSet:
    """Labelled sentences: texts, document groups and a 0/1 matrix (n × labels)."""

    sentence_ids: list[str]
    doc_ids: list[str]
    texts: list[str]
    labels: np.ndarray
    sha256: str


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
        reader = csv.DictReader(data.decode("utf-8-sig").splitlines())
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
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
            labels = tuple(int(value) for value in values)
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


def new_pipeline() -> Pipeline:
    """Lemma 1–2-grams and character 3–5-grams into one logistic regression per label."""
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
        ]
    )
    classifier = MultiOutputClassifier(LogisticRegression(C=10.0, max_iter=2000))
    return Pipeline([("features", features), ("classifier", classifier)])


def _probabilities(pipeline: Pipeline, inputs: object) -> np.ndarray:
    return np.column_stack([p[:, 1] for p in pipeline.predict_proba(inputs)])


def _scores(gold: np.ndarray, predicted: np.ndarray) -> dict[str, dict[str, float]]:
    report = {}
    for index, label in enumerate(LABELS):
        precision, recall, f1, _ = precision_recall_fscore_support(
            gold[:, index], predicted[:, index], average="binary", zero_division=0
        )
        report[label] = {
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(float(f1), 4),
        }
    report["macro"] = {
        key: round(float(np.mean([report[label][key] for label in LABELS])), 4)
        for key in ("precision", "recall", "f1")
    }
    return report


def train(
    annotation_paths: Sequence[Path], annotator: Annotator, out_dir: Path, version: str
) -> dict[str, object]:
    """Train, cross-validate grouped by document, choose thresholds, and save.

    Thresholds are the per-label values that maximise F1 on out-of-fold
    probabilities; the reported scores use them, so they are slightly optimistic.

    Returns:
        The model card, also written as ``card.json`` and ``card.md``.
    """
    data = read_annotations(annotation_paths)
    lemmas = [annotator.annotate_tokens(tokenize(text))[0] for text in data.texts]
    inputs = model_inputs(data.texts, lemmas)
    out_of_fold = np.zeros(data.labels.shape)
    for train_rows, test_rows in GroupKFold(n_splits=_FOLDS).split(inputs, groups=data.doc_ids):
        fold = new_pipeline().fit(inputs.iloc[train_rows], data.labels[train_rows])
        out_of_fold[test_rows] = _probabilities(fold, inputs.iloc[test_rows])
    thresholds = {}
    for index, label in enumerate(LABELS):
        f1_at = [
            precision_recall_fscore_support(
                data.labels[:, index], out_of_fold[:, index] >= t, average="binary", zero_division=0
            )[2]
            for t in _THRESHOLD_GRID
        ]
        thresholds[label] = float(_THRESHOLD_GRID[int(np.argmax(f1_at))])
    cutoffs = np.array([thresholds[label] for label in LABELS])
    decided = out_of_fold >= cutoffs
    final = new_pipeline().fit(inputs, data.labels)
    for _, vectorizer, _ in final.named_steps["features"].transformers_:
        vectorizer.stop_words_ = None  # only for introspection; it can be large
    out_dir.mkdir(parents=True, exist_ok=True)
    sio.dump(final, out_dir / MODEL_FILE, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    card = {
        "version": version,
        "trained": dt.date.today().isoformat(),
        "training_data": {
            "files": [path.name for path in annotation_paths],
            "sha256": data.sha256,
            "sentences": len(data.texts),
            "documents": len(set(data.doc_ids)),
            "positives": {label: int(data.labels[:, i].sum()) for i, label in enumerate(LABELS)},
        },
        "annotator_version": annotator.version,
        "features": "tf-idf of lemma 1-2-grams and character 3-5-grams (char_wb)",
        "classifier": "one logistic regression per label (C=10)",
        "thresholds": thresholds,
        "grouped_cv": {"folds": _FOLDS, "groups": "doc_id", **_scores(data.labels, decided)},
        "libraries": {
            name: package_version(name) for name in ("scikit-learn", "skops", "numpy", "simplemma")
        }
        | {"python": platform.python_version()},
    }
    (out_dir / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (out_dir / "card.md").write_text(render_card(card), encoding="utf-8")
    load_model.cache_clear()
    return card


def render_card(card: dict) -> str:
    """The model card as Markdown."""
    cv = card["grouped_cv"]
    lines = [
        f"# Steering classifier {card['version']}",
        "",
        f"Trained {card['trained']} on {card['training_data']['sentences']} sentences from "
        f"{card['training_data']['documents']} documents "
        f"(sha256 `{card['training_data']['sha256'][:12]}…`).",
        "",
        f"Features: {card['features']}. Classifier: {card['classifier']}.",
        f"Lemmas from annotator `{card['annotator_version']}`.",
        "",
        f"## Grouped {cv['folds']}-fold cross-validation (by document)",
        "",
        "| label | positives | threshold | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label in LABELS:
        lines.append(
            f"| {label} | {card['training_data']['positives'][label]} | "
            f"{card['thresholds'][label]} | {cv[label]['precision']} | {cv[label]['recall']} | "
            f"{cv[label]['f1']} |"
        )
    lines += [
        f"| macro | | | {cv['macro']['precision']} | {cv['macro']['recall']} | "
        f"{cv['macro']['f1']} |",
        "",
        "Thresholds maximise F1 on the same out-of-fold probabilities, so these scores are "
        "slightly optimistic. Libraries: "
        + ", ".join(f"{k} {v}" for k, v in card["libraries"].items())
        + ".",
        "",
    ]
    return "\n".join(lines)
