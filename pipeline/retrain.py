"""Retrain: compare a candidate steering model with the current one, and promote it if not worse.

The current model is the one ``models/steering/current`` points to. A
candidate is trained by :func:`pipeline.train.train`; its card holds its
grouped cross-validation scores. :func:`compare` retrains today's recipe on
the current model's own training annotations, fold by fold, on the same
document folds of the candidate's annotations, so both are scored on the same
sentences by models that never saw those documents. The comparison therefore
measures a change of training data; a change of recipe shows in the cue-list
version, and a model of another cue list cannot be loaded at all.
:func:`promote` then points ``current`` at the candidate in one atomic step.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.annotate import Annotator
from pipeline.cards import read_card
from pipeline.classify import load_model, model_inputs
from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS
from pipeline.train import (
    calibrate,
    out_of_fold,
    read_annotations,
    read_guideline_rows,
    scores,
)

CURRENT_LINK = "current"


@dataclass(frozen=True)
class Comparison:
    """Grouped-CV scores of a candidate and of the current model on the same folds.

    Attributes:
        current: Scores of the current model's recipe and training data, or
            None when there is no current model.
    """

    candidate_version: str
    current_version: str | None
    sentences: int
    candidate: dict[str, dict[str, float]]
    current: dict[str, dict[str, float]] | None

    @property
    def promote(self) -> bool:
        """True when the candidate's macro-F1 is not below the current model's."""
        return self.current is None or self.candidate["macro"]["f1"] >= self.current["macro"]["f1"]

    def markdown(self) -> str:
        """A Markdown table of both models' F1 per label and macro."""
        current = self.current or {}
        rows = "\n".join(
            f"| {name} | {self.candidate[name]['f1']} | {current.get(name, {}).get('f1', '–')} |"
            for name in (*LABELS, "macro")
        )
        verdict = "promoted" if self.promote else "not promoted: worse than the current model"
        return (
            f"# Retrain: {self.candidate_version} {verdict}\n\n"
            f"Grouped 5-fold cross-validation by document on the same {self.sentences} "
            f"annotated sentences.\n\n| F1 | {self.candidate_version} (candidate) | "
            f"{self.current_version or 'no current model'} (current) |\n| --- | --- | --- |\n"
            f"{rows}\n"
        )


def _training_files(card: dict, search_dirs: Sequence[Path]) -> list[Path]:
    """The current model's annotation files, found by name in ``search_dirs``."""
    paths = []
    for name in card["training_data"]["files"]:
        found = next((d / name for d in search_dirs if (d / name).is_file()), None)
        if found is None:
            raise SedimentError(
                Errors.NO_COMPARISON,
                problem=f"its training file {name} is in none of {[str(d) for d in search_dirs]}",
            )
        paths.append(found)
    return paths


def compare(
    candidate_dir: Path,
    candidate_annotations: Sequence[Path],
    current_dir: Path | None,
    annotator: Annotator,
    search_dirs: Sequence[Path] = (),
) -> Comparison:
    """Score the candidate and the current model on the same grouped folds.

    Args:
        candidate_dir: The candidate model's folder, written by ``train``.
        candidate_annotations: The annotation CSVs the candidate was trained on.
        current_dir: The current model's folder, or None if there is none.
        annotator: Lemmatiser for the annotated sentences.
        search_dirs: Where to look for the current model's training files,
            besides the folders of ``candidate_annotations``.

    Raises:
        SedimentError: The candidate's card does not match its annotations, or
            the current model's training files are missing or have changed.
    """
    candidate_card = read_card(candidate_dir, "steering")
    evaluation = read_annotations(candidate_annotations)
    if evaluation.sha256 != candidate_card["training_data"]["sha256"]:
        raise SedimentError(
            Errors.NO_COMPARISON,
            problem=f"{candidate_dir} was trained on other annotations than the ones given",
        )
    current = None
    current_version = None
    if current_dir is not None:
        current_card = read_card(current_dir, "steering")
        current_version = current_card["version"]
        dirs = [*dict.fromkeys(path.parent for path in candidate_annotations), *search_dirs]
        training = read_annotations(_training_files(current_card, dirs))
        if training.sha256 != current_card["training_data"]["sha256"]:
            raise SedimentError(
                Errors.NO_COMPARISON,
                problem=f"the training files of {current_version} changed since it was trained",
            )
        evaluation_inputs = model_inputs(
            evaluation.texts, annotator.lemmatize_texts(evaluation.texts)
        )
        training_inputs = model_inputs(training.texts, annotator.lemmatize_texts(training.texts))
        guide = read_guideline_rows(annotator)
        if guide.sha256 != candidate_card["training_data"]["guideline_rows"]["sha256"]:
            raise SedimentError(
                Errors.NO_COMPARISON,
                problem=f"{guide.file} changed since {candidate_dir} was trained",
            )
        raw = out_of_fold(evaluation, evaluation_inputs, training, training_inputs, guide)
        current = scores(evaluation.labels, calibrate(raw, evaluation.labels).decisions)
    return Comparison(
        candidate_version=candidate_card["version"],
        current_version=current_version,
        sentences=len(evaluation.texts),
        candidate={name: candidate_card["grouped_cv"][name] for name in (*LABELS, "macro")},
        current=current,
    )


def current_model(models_root: Path) -> Path | None:
    """The folder ``models_root/current`` points to, or None."""
    link = models_root / CURRENT_LINK
    return link.resolve() if link.exists() else None


def promote(candidate_dir: Path, models_root: Path) -> Path:
    """Point ``models_root/current`` at ``candidate_dir`` in one atomic rename.

    The candidate must load as a steering model first.

    Returns:
        The link.
    """
    load_model(str(candidate_dir))
    link = models_root / CURRENT_LINK
    temporary = models_root / f".{CURRENT_LINK}-{os.getpid()}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(os.path.relpath(candidate_dir.resolve(), models_root.resolve()))
    os.replace(temporary, link)
    return link
