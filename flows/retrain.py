"""Prefect flow: train a candidate steering model, compare, promote if not worse, reclassify.

The candidate (version ``steering-v<N>``) is trained into
``<models_root>/v<N>``; it is compared with the current model
(``<models_root>/current``) on the same grouped folds; if its macro-F1 is not
lower, ``current`` is pointed at it. Given a corpus and an output folder, the
flow then runs the refresh flow, which rescores the stored sentences with the
promoted model without extracting anything again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.refresh import refresh_flow, task_runner
from pipeline import retrain
from pipeline.annotate import load_annotator
from pipeline.errors import Errors, SedimentError
from pipeline.settings import Settings
from pipeline.train import model_folder, train


@task(name="train-candidate", cache_policy=NO_CACHE)
def train_task(
    annotations: list[Path],
    out_dir: Path,
    version: str,
    held_out_docs: list[str],
    annotator_dir: str,
) -> dict[str, Any]:
    """Train the candidate and write its card."""
    return train(annotations, load_annotator(annotator_dir), out_dir, version, held_out_docs)


@task(name="compare", cache_policy=NO_CACHE)
def compare_task(
    candidate_dir: Path, annotations: list[Path], current_dir: Path | None, annotator_dir: str
) -> retrain.Comparison:
    """Score candidate and current model on the same grouped folds."""
    return retrain.compare(candidate_dir, annotations, current_dir, load_annotator(annotator_dir))


@task(name="promote", cache_policy=NO_CACHE)
def promote_task(candidate_dir: Path, models_root: Path) -> Path:
    """Point the current-model link at the candidate."""
    return retrain.promote(candidate_dir, models_root)


@flow(name="sediment-retrain")
def retrain_flow(
    annotations: list[str],
    version: str,
    models_root: str,
    held_out_docs: list[str] | None = None,
    corpus_dir: str | None = None,
    output_dir: str | None = None,
    settings: dict[str, Any] | None = None,
) -> retrain.Comparison:
    """Retrain the steering classifier and promote it only if it is not worse.

    Args:
        annotations: Annotation CSVs to train the candidate on.
        version: The candidate's version, such as ``steering-v7`` (folder ``v7``).
        models_root: Folder of the steering models and the ``current`` link.
        held_out_docs: Documents to leave out for the card's held-out estimate.
        corpus_dir: With ``output_dir``, refresh this corpus after a promotion.
        output_dir: The output folder to reclassify.
        settings: Values for :class:`pipeline.settings.Settings` of the refresh.

    Raises:
        SedimentError: The candidate's folder already exists.
    """
    root = Path(models_root)
    candidate_dir = model_folder(root, version)
    if candidate_dir.exists():
        raise SedimentError(Errors.MODEL_EXISTS, path=candidate_dir)
    config = Settings(**(settings or {}))
    paths = [Path(path) for path in annotations]
    train_task(paths, candidate_dir, version, held_out_docs or [], config.annotator_dir)
    comparison = compare_task(
        candidate_dir, paths, retrain.current_model(root), config.annotator_dir
    )
    if comparison.promote:
        link = promote_task(candidate_dir, root)
        if corpus_dir and output_dir:
            refresh = refresh_flow.with_options(task_runner=task_runner(config))
            refresh(corpus_dir, output_dir, {**config.as_dict(), "model_dir": str(link)})
    create_markdown_artifact(
        key="sediment-retrain", markdown=comparison.markdown(), description="Candidate vs current"
    )
    return comparison
