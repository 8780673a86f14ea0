"""Active learning: the stored sentences the current model is least sure of, to annotate next."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.classify import SteeringModel, log_odds
from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS
from pipeline.trends import read_sentences
from pipeline.write import Store

ANNOTATION_COLUMNS = ["sentence_id", "doc_id", "text", *LABELS, "annotator"]


def suggest(
    output_dir: Path, model: SteeringModel, n: int, already_annotated: Iterable[str] = ()
) -> pd.DataFrame:
    """The ``n`` stored sentences closest to one of the model's decision thresholds.

    Sentences are rescored with ``model`` from their stored text and lemmas;
    closeness is the smallest distance, over the labels, between a sentence's
    log-odds and the threshold's. Sentences whose text is in
    ``already_annotated`` and repeated texts are skipped.

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
    sentences = read_sentences(
        output_dir / "sentences", ["doc_id", "sentence_idx", "text", "lemmas"]
    )
    undated = read_sentences(
        output_dir / "sentences_undated", ["doc_id", "sentence_idx", "text", "lemmas"]
    )
    sentences = pd.concat([sentences, undated], ignore_index=True)
    skip = {" ".join(text.split()) for text in already_annotated}
    sentences = sentences[~sentences["text"].map(lambda t: " ".join(t.split())).isin(skip)]
    sentences = sentences.drop_duplicates("text").reset_index(drop=True)
    if sentences.empty:
        return pd.DataFrame(columns=ANNOTATION_COLUMNS)
    probabilities = model.probabilities(
        sentences["text"].tolist(), [list(lemmas) for lemmas in sentences["lemmas"]]
    )
    thresholds = np.array([model.thresholds[label] for label in LABELS])
    distance = np.abs(log_odds(probabilities) - log_odds(thresholds)).min(axis=1)
    chosen = sentences.iloc[np.argsort(distance, kind="stable")[:n]]
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
