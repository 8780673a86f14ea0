"""Trends: the share of sentences per label and year, from the stored sentences."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from pipeline import schemas
from pipeline.records import LABELS


def read_sentences(sentences_dir: Path, columns: list[str]) -> pd.DataFrame:
    """Read selected columns of a sentences dataset (hive-partitioned by year)."""
    files = [str(path) for path in sentences_dir.rglob("*.parquet")]
    if not files:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
    dataset = ds.dataset(
        files,
        schema=schemas.SENTENCES,
        format="parquet",
        partitioning=schemas.SENTENCE_PARTITIONING,
        partition_base_dir=str(sentences_dir),
    )
    return dataset.to_table(columns=columns).to_pandas()


def yearly_trends(sentences: pd.DataFrame, documents: pd.DataFrame) -> pa.Table:
    """Per year and label: documents, sentences, positive sentences and their share.

    Args:
        sentences: Columns ``year`` and one boolean column per label.
        documents: Columns ``year`` and ``status``; only ``ok`` documents count.

    Returns:
        A table with the :data:`schemas.TRENDS` schema, sorted by year and label.
    """
    ok = documents[(documents["status"] == "ok") & documents["year"].notna()]
    n_documents = ok.groupby("year").size()
    dated = sentences[sentences["year"].notna()]
    n_sentences = dated.groupby("year").size()
    rows = []
    for year in sorted(n_documents.index):
        in_year = dated[dated["year"] == year]
        total = int(n_sentences.get(year, 0))
        for label in LABELS:
            positive = int(in_year[label].sum())
            rows.append(
                {
                    "year": int(year),
                    "label": label,
                    "n_documents": int(n_documents[year]),
                    "n_sentences": total,
                    "n_positive": positive,
                    "share": positive / total if total else 0.0,
                }
            )
    return pa.Table.from_pylist(rows, schema=schemas.TRENDS)
