"""Active learning: the stored sentences the current model is least sure of, to annotate next."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.classify import SteeringModel, log_odds
from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS
from pipeline.trends import sentence_batches
from pipeline.write import Store

ANNOTATION_COLUMNS = ["sentence_id", "doc_id", "text", *LABELS, "annotator"]
_COLUMNS = ["doc_id", "sentence_idx", "text", "lemmas"]
_ROWS_PER_SCORING = 20_000


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _unseen_rows(output_dir: Path, skip: set[str]) -> Iterator[pd.DataFrame]:
    """Stored sentences, each text once and none in ``skip``.

    Rows come in frames of at least :data:`_ROWS_PER_SCORING` (the last may be
    smaller), so that the model scores many sentences per call. A text counts
    as seen by its hash: a collision (about 1 in 10^10 for 100,000 texts) would
    leave one sentence out of the suggestions.
    """
    seen: set[int] = set()  # a hash of every text read so far
    pending: list[pd.DataFrame] = []
    n_pending = 0
    for folder in ("sentences", "sentences_undated"):
        for batch in sentence_batches(output_dir / folder, _COLUMNS):
            rows = batch.to_pandas()
            keep = []
            for text in rows["text"]:
                key = hash(text)
                keep.append(key not in seen and _normalised(text) not in skip)
                seen.add(key)
            pending.append(rows.loc[keep])
            n_pending += sum(keep)
            if n_pending >= _ROWS_PER_SCORING:
                yield pd.concat(pending, ignore_index=True)
                pending, n_pending = [], 0
    if n_pending:
        yield pd.concat(pending, ignore_index=True)


def suggest(
    output_dir: Path, model: SteeringModel, n: int, already_annotated: Iterable[str] = ()
) -> pd.DataFrame:
    """The ``n`` stored sentences closest to one of the model's decision thresholds.

    Sentences are rescored with ``model`` from their stored text and lemmas;
    closeness is the smallest distance, over the labels, between a sentence's
    log-odds and the threshold's. Sentences whose text is in
    ``already_annotated`` and repeated texts are skipped; of a repeated text,
    the copy in the first file in path order (earliest year) is named. The
    stored files are read and scored a batch at a time, keeping the ``n`` best
    so far and a hash of every text (about 70 bytes per distinct sentence).

    Args:
        output_dir: A refreshed output folder.
        model: The steering model to rescore with.
        n: How many sentences to return (at least 1).
        already_annotated: Texts to leave out (compared with white space normalised).

    Returns:
        Rows in the annotation format (labels and annotator left empty), the
        least certain first; ``doc_id`` is the document's path in the corpus.

    Raises:
        SedimentError: ``output_dir`` holds no refreshed corpus.
    """
    store = Store(output_dir)
    documents = store.read_table("documents")
    if documents is None:
        raise SedimentError(Errors.NOTHING_STORED, path=output_dir)
    skip = {_normalised(text) for text in already_annotated}
    thresholds = log_odds(np.array([model.thresholds[label] for label in LABELS]))
    chosen: pd.DataFrame | None = None
    for rows in _unseen_rows(output_dir, skip):
        probabilities = model.probabilities(
            rows["text"].tolist(), [list(lemmas) for lemmas in rows["lemmas"]]
        )
        rows = rows.drop(columns="lemmas").assign(
            distance=np.abs(log_odds(probabilities) - thresholds).min(axis=1)
        )
        candidates = rows if chosen is None else pd.concat([chosen, rows], ignore_index=True)
        chosen = candidates.sort_values("distance", kind="stable").head(n)
    if chosen is None:
        return pd.DataFrame(columns=ANNOTATION_COLUMNS)
    paths = dict(
        zip(
            documents.column("doc_id").to_pylist(),
            documents.column("path").to_pylist(),
            strict=True,
        )
    )
    doc_paths = chosen["doc_id"].map(paths)
    return pd.DataFrame(
        {
            "sentence_id": [
                f"{path}#{idx:05d}"
                for path, idx in zip(doc_paths, chosen["sentence_idx"], strict=True)
            ],
            "doc_id": doc_paths.tolist(),
            "text": chosen["text"].tolist(),
            **{label: "" for label in LABELS},
            "annotator": "",
        }
    )
