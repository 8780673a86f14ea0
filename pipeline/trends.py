"""Trends: shares of sentences and documents per label and year, from the stored sentences."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from pipeline import schemas
from pipeline.errors import Errors, SedimentError
from pipeline.metrics import sediment, wilson_interval
from pipeline.records import LABELS
from pipeline.terms import Families, matching_terms
from pipeline.write import Store


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


DERIVED_VERSION = "1"  # bump when a derived table is computed differently
LEVELS = {"all": None, "organisation": "organisation", "doc_type": "doc_type"}
SENTENCE_COLUMNS = ["doc_id", *LABELS, *(f"p_{label}" for label in LABELS)]


def _dated(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents that count in trends: status ok and a year."""
    ok = documents[(documents["status"] == "ok") & documents["year"].notna()]
    return ok.astype({"year": int})


def per_document(sentences: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """One row per dated ``ok`` document: its metadata and per-label sentence counts.

    Args:
        sentences: Columns :data:`SENTENCE_COLUMNS`.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.

    Returns:
        Columns ``doc_id``, ``year``, ``organisation``, ``doc_type``, ``n_sentences``,
        and per label the number of positive sentences and the summed probability.
    """
    ok = _dated(documents)
    counts = sentences.groupby("doc_id").agg(
        n_sentences=("doc_id", "size"),
        **{label: (label, "sum") for label in LABELS},
        **{f"p_{label}": (f"p_{label}", "sum") for label in LABELS},
    )
    merged = ok[["doc_id", "year", "organisation", "doc_type"]].merge(
        counts, left_on="doc_id", right_index=True, how="left"
    )
    numeric = ["n_sentences", *LABELS, *(f"p_{label}" for label in LABELS)]
    merged[numeric] = merged[numeric].fillna(0)
    return merged.astype({"year": int, "n_sentences": int, **dict.fromkeys(LABELS, int)})


def trends_table(sentences: pd.DataFrame, documents: pd.DataFrame) -> pa.Table:
    """Per level, group, year and label: documents, sentences, positives and shares.

    Levels are all documents (group empty), each organisation and each
    doc_type (documents where it is known). A year with documents but no
    sentences has share 0 and the interval (0, 1).

    Args:
        sentences: Columns :data:`SENTENCE_COLUMNS`.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.

    Returns:
        A table with the :data:`schemas.TRENDS` schema.
    """
    docs = per_document(sentences, documents)
    rows = []
    for level, column in LEVELS.items():
        frame = docs if column is None else docs[docs[column].notna()]
        keys = ["year"] if column is None else [column, "year"]
        for key, group in frame.groupby(keys, sort=True):
            group_name, year = (None, key[0]) if column is None else key
            total = int(group["n_sentences"].sum())
            for label in LABELS:
                positive = int(group[label].sum())
                low, high = wilson_interval(positive, total)
                rows.append(
                    {
                        "level": level,
                        "group": group_name,
                        "year": int(year),
                        "label": label,
                        "n_documents": len(group),
                        "n_sentences": total,
                        "n_positive": positive,
                        "share": positive / total if total else 0.0,
                        "share_low": low,
                        "share_high": high,
                        "doc_share": float((group[label] > 0).mean()),
                        "p_share": float(group[f"p_{label}"].sum() / total) if total else 0.0,
                    }
                )
    return pa.Table.from_pylist(rows, schema=schemas.TRENDS)


def terms_table(sentences: pd.DataFrame, documents: pd.DataFrame, families: Families) -> pa.Table:
    """Per year, family and term: the share of sentences and documents that use it.

    Args:
        sentences: Columns ``doc_id`` and ``lemmas``.
        documents: As for :func:`trends_table`.
        families: Term families (:func:`pipeline.terms.load_families`).

    Returns:
        A table with the :data:`schemas.TERMS` schema; a row with an empty
        ``term`` counts any term of the family.
    """
    counts = sentences.groupby("doc_id").size().rename("n_sentences")
    docs = _dated(documents).merge(counts, left_on="doc_id", right_index=True, how="left")
    docs["n_sentences"] = docs["n_sentences"].fillna(0).astype(int)
    year_of = dict(zip(docs["doc_id"], docs["year"], strict=True))
    hits: dict[tuple[int, str, str | None], list[str]] = {}
    for doc_id, lemmas in zip(sentences["doc_id"], sentences["lemmas"], strict=True):
        if doc_id not in year_of:
            continue
        found = matching_terms(list(lemmas), families)
        for key in {*found, *((family, None) for family, _ in found)}:
            hits.setdefault((year_of[doc_id], *key), []).append(doc_id)
    rows = []
    for year, group in docs.groupby("year", sort=True):
        n_sentences = int(group["n_sentences"].sum())
        for family, terms in families.items():
            for term in (None, *terms):
                matched = hits.get((int(year), family, term), [])
                rows.append(
                    {
                        "year": int(year),
                        "family": family,
                        "term": term,
                        "n_documents": len(group),
                        "n_sentences": n_sentences,
                        "n_matching": len(matched),
                        "share": len(matched) / n_sentences if n_sentences else 0.0,
                        "doc_share": len(set(matched)) / len(group),
                    }
                )
    return pa.Table.from_pylist(rows, schema=schemas.TERMS)


def layering_table(sentences: pd.DataFrame, documents: pd.DataFrame) -> pa.Table:
    """Per year: do documents carry trust and control language together, or one instead?

    Args:
        sentences: Columns :data:`SENTENCE_COLUMNS`.
        documents: As for :func:`trends_table`.

    Returns:
        A table with the :data:`schemas.LAYERING` schema.
    """
    docs = per_document(sentences, documents)
    rows = []
    for year, group in docs.groupby("year", sort=True):
        trust, control = group["trust"] > 0, group["control"] > 0
        with_text = group[group["n_sentences"] > 0]
        trust_share = with_text["trust"] / with_text["n_sentences"]
        control_share = with_text["control"] / with_text["n_sentences"]
        varies = len(with_text) >= 3 and trust_share.std() > 0 and control_share.std() > 0
        rows.append(
            {
                "year": int(year),
                "n_documents": len(group),
                "trust_doc_share": float(trust.mean()),
                "control_doc_share": float(control.mean()),
                "both_doc_share": float((trust & control).mean()),
                "expected_both_doc_share": float(trust.mean() * control.mean()),
                "correlation": float(trust_share.corr(control_share)) if varies else None,
            }
        )
    return pa.Table.from_pylist(rows, schema=schemas.LAYERING)


def sediment_table(
    trends: pa.Table,
    terms: pa.Table,
    share_from: str = "labels",
    min_sentences: int = 1,
    baseline: float | None = None,
) -> pa.Table:
    """Sediment metrics of each label's, family's and term's yearly share.

    Args:
        trends: A :data:`schemas.TRENDS` table; its ``all`` level is used.
        terms: A :data:`schemas.TERMS` table.
        share_from: ``labels`` uses the share of positive sentences,
            ``probabilities`` the mean probability (labels only; terms are counted).
        min_sentences: Years with fewer sentences are left out of the series: a
            share of 3 in 4 sentences is not a peak.
        baseline: The onset baseline; half the peak share if None.

    Returns:
        A table with the :data:`schemas.SEDIMENT` schema.
    """
    column = "p_share" if share_from == "probabilities" else "share"
    overall = trends.to_pandas()
    overall = overall[
        (overall["level"] == "all") & (overall["n_sentences"] >= max(1, min_sentences))
    ]
    series: list[tuple[str, str | None, str, dict[int, float]]] = [
        ("label", None, label, dict(zip(rows["year"], rows[column], strict=True)))
        for label, rows in ((label, overall[overall["label"] == label]) for label in LABELS)
    ]
    counted = terms.to_pandas()
    counted = counted[counted["n_sentences"] >= max(1, min_sentences)]
    for (family, term), rows in counted.groupby(["family", "term"], dropna=False, sort=False):
        kind, name = ("family", family) if pd.isna(term) else ("term", term)
        series.append((kind, family, name, dict(zip(rows["year"], rows["share"], strict=True))))
    rows = [
        {
            "kind": kind,
            "family": family,
            "name": name,
            "share_from": share_from if kind == "label" else "labels",
            **asdict(metrics),
            "baseline": baseline if baseline is not None else _half(metrics.peak_share),
        }
        for kind, family, name, shares in series
        for metrics in [sediment({int(y): float(s) for y, s in shares.items()}, baseline)]
    ]
    return pa.Table.from_pylist(rows, schema=schemas.SEDIMENT)


def _half(share: float | None) -> float | None:
    return None if share is None else share / 2


DERIVED_COLUMNS = [*SENTENCE_COLUMNS, "lemmas"]


def derived_tables(
    sentences: pd.DataFrame,
    documents: pd.DataFrame,
    families: Families,
    share_from: str = "labels",
    min_sentences: int = 1,
) -> dict[str, pa.Table]:
    """Every table computed from the stored sentences, by file name.

    Args:
        sentences: Columns :data:`DERIVED_COLUMNS` of the dated sentences.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.
        families: Term families to track.
        share_from: Which share the sediment metrics of labels use.
        min_sentences: Fewest sentences a year needs to count in the sediment metrics.
    """
    trends = trends_table(sentences, documents)
    terms = terms_table(sentences, documents, families)
    return {
        "trends.parquet": trends,
        "terms.parquet": terms,
        "layering.parquet": layering_table(sentences, documents),
        "sediment.parquet": sediment_table(trends, terms, share_from, min_sentences),
    }


def stored_derived(
    output_dir: Path, families: Families, share_from: str = "labels", min_sentences: int = 1
) -> dict[str, pd.DataFrame]:
    """The derived tables, recomputed from an output folder's stored sentences.

    Raises:
        SedimentError: The folder holds no refreshed corpus.
    """
    store = Store(output_dir)
    documents = store.read_table("documents")
    if documents is None:
        raise SedimentError(Errors.NOTHING_STORED, path=output_dir)
    tables = derived_tables(
        read_sentences(output_dir / "sentences", DERIVED_COLUMNS),
        documents.select(["doc_id", "year", "status", "organisation", "doc_type"]).to_pandas(),
        families,
        share_from,
        min_sentences,
    )
    return {name: table.to_pandas() for name, table in tables.items()}
