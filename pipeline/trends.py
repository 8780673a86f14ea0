"""Trends: shares of sentences and documents per label and year, from the stored sentences."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pipeline import schemas
from pipeline.errors import Errors, SedimentError
from pipeline.metrics import sediment, wilson_interval
from pipeline.records import LABELS
from pipeline.terms import Families, matching_terms
from pipeline.write import Store


def read_sentences(
    sentences_dir: Path, columns: list[str], where: ds.Expression | None = None
) -> pd.DataFrame:
    """Read selected columns of a sentences dataset (hive-partitioned by year).

    Args:
        sentences_dir: The dataset's folder.
        columns: Columns to read.
        where: Only the rows this filter keeps, for example ``ds.field("trust")``.
    """
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
    return dataset.to_table(columns=columns, filter=where).to_pandas()


# Bump when a derived table is computed differently (2: probabilities summed in float64).
DERIVED_VERSION = "2"
LEVELS = {"all": None, "organisation": "organisation", "doc_type": "doc_type"}
SENTENCE_COLUMNS = ["doc_id", *LABELS, *(f"p_{label}" for label in LABELS)]


def _dated(documents: pd.DataFrame) -> pd.DataFrame:
    """The documents that count in trends: status ok and a year."""
    ok = documents[(documents["status"] == "ok") & documents["year"].notna()]
    return ok.astype({"year": int})


@dataclass(frozen=True)
class SentenceCounts:
    """The sentences summed per document: everything the derived tables need from them.

    Attributes:
        labels: Indexed by ``doc_id``: ``n_sentences``, the positive sentences
            of each label and each label's summed probability (``p_<label>``).
        terms: Columns ``doc_id``, ``family``, ``term`` (missing: any of the
            family's terms) and ``n_matching``, the sentences that use it.
    """

    labels: pd.DataFrame
    terms: pd.DataFrame

    @classmethod
    def of(cls, sentences: pd.DataFrame, families: Families) -> SentenceCounts:
        """Count sentences with the columns :data:`SENTENCE_COLUMNS` (and ``lemmas`` for terms)."""
        return cls.tallied([sentences], families)

    @classmethod
    def tallied(
        cls, parts: Iterable[pd.DataFrame | pa.RecordBatch], families: Families
    ) -> SentenceCounts:
        """Count sentences that come in parts; the parts of one document are added up.

        Only the counts of each part are kept, so ``parts`` may be a generator
        over a corpus of any size.
        """
        doc_ids: list[np.ndarray] = []
        sums: dict[str, list[np.ndarray]] = {column: [] for column in _SUMMED}
        matching: Counter[tuple[str, str, str | None]] = Counter()
        for sentences in parts:
            rows, ids = pd.factorize(np.asarray(sentences["doc_id"]))
            doc_ids.append(ids)
            sums["n_sentences"].append(np.bincount(rows, minlength=len(ids)))
            for column in _SUMMED[1:]:
                weights = np.asarray(sentences[column], dtype=float)
                sums[column].append(np.bincount(rows, weights=weights, minlength=len(ids)))
            if families:
                for row, lemmas in zip(rows.tolist(), sentences["lemmas"].tolist(), strict=True):
                    found = matching_terms(lemmas, families)
                    for family, term in {*found, *((family, None) for family, _ in found)}:
                        matching[(ids[row], family, term)] += 1
        index = pd.Index(np.concatenate(doc_ids) if doc_ids else [], dtype=object, name="doc_id")
        labels = pd.DataFrame(
            {column: np.concatenate(arrays) if arrays else [] for column, arrays in sums.items()},
            index=index,
        )
        labels = (
            labels.groupby(level=0).sum().astype({"n_sentences": int, **dict.fromkeys(LABELS, int)})
        )
        terms = pd.DataFrame(
            [(*key, count) for key, count in matching.items()], columns=_TERM_COUNT_COLUMNS
        )
        return cls(labels, terms)


_SUMMED = ["n_sentences", *LABELS, *(f"p_{label}" for label in LABELS)]
_TERM_COUNT_COLUMNS = ["doc_id", "family", "term", "n_matching"]
_ROWS_PER_READ = 20_000


def count_stored(sentences_dir: Path, families: Families) -> SentenceCounts:
    """Count a sentences dataset file by file, :data:`_ROWS_PER_READ` rows at a time.

    Memory stays that of one read and the per-document counts, however large
    the corpus.
    """
    columns = [*SENTENCE_COLUMNS, "lemmas"] if families else SENTENCE_COLUMNS
    return SentenceCounts.tallied(sentence_batches(sentences_dir, columns), families)


def sentence_batches(sentences_dir: Path, columns: list[str]) -> Iterator[pa.RecordBatch]:
    """A sentences dataset's rows, file by file in path order, :data:`_ROWS_PER_READ` at a time."""
    for path in sorted(sentences_dir.rglob("*.parquet")):
        with pq.ParquetFile(path) as parquet:
            yield from parquet.iter_batches(_ROWS_PER_READ, columns=columns)


def per_document(counts: SentenceCounts, documents: pd.DataFrame) -> pd.DataFrame:
    """One row per dated ``ok`` document: its metadata and per-label sentence counts.

    Args:
        counts: The sentences counted per document.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.

    Returns:
        Columns ``doc_id``, ``year``, ``organisation``, ``doc_type``, ``n_sentences``,
        and per label the number of positive sentences and the summed probability.
    """
    ok = _dated(documents)
    merged = ok[["doc_id", "year", "organisation", "doc_type"]].merge(
        counts.labels, left_on="doc_id", right_index=True, how="left"
    )
    numeric = ["n_sentences", *LABELS, *(f"p_{label}" for label in LABELS)]
    merged[numeric] = merged[numeric].fillna(0)
    return merged.astype({"year": int, "n_sentences": int, **dict.fromkeys(LABELS, int)})


def trends_table(counts: SentenceCounts, documents: pd.DataFrame) -> pa.Table:
    """Per level, group, year and label: documents, sentences, positives and shares.

    Levels are all documents (group empty), each organisation and each
    doc_type (documents where it is known). A year with documents but no
    sentences has share 0 and the interval (0, 1).

    Args:
        counts: The sentences counted per document.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.

    Returns:
        A table with the :data:`schemas.TRENDS` schema.
    """
    docs = per_document(counts, documents)
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


def terms_table(counts: SentenceCounts, documents: pd.DataFrame, families: Families) -> pa.Table:
    """Per year, family and term: the share of sentences and documents that use it.

    Args:
        counts: The sentences counted per document, with term counts of ``families``.
        documents: As for :func:`trends_table`.
        families: Term families (:func:`pipeline.terms.load_families`).

    Returns:
        A table with the :data:`schemas.TERMS` schema; a row with an empty
        ``term`` counts any term of the family.
    """
    docs = per_document(counts, documents)
    year_of = dict(zip(docs["doc_id"], docs["year"], strict=True))
    hits: dict[tuple[int, str, str | None], list[int]] = {}
    for doc_id, family, term, n_matching in counts.terms.itertuples(index=False):
        if doc_id in year_of:
            key = (year_of[doc_id], family, None if pd.isna(term) else term)
            hits.setdefault(key, []).append(int(n_matching))
    rows = []
    for year, group in docs.groupby("year", sort=True):
        n_sentences = int(group["n_sentences"].sum())
        for family, terms in families.items():
            for term in (None, *terms):
                matched = hits.get((int(year), family, term), [])  # one count per document
                rows.append(
                    {
                        "year": int(year),
                        "family": family,
                        "term": term,
                        "n_documents": len(group),
                        "n_sentences": n_sentences,
                        "n_matching": sum(matched),
                        "share": sum(matched) / n_sentences if n_sentences else 0.0,
                        "doc_share": len(matched) / len(group),
                    }
                )
    return pa.Table.from_pylist(rows, schema=schemas.TERMS)


def layering_table(counts: SentenceCounts, documents: pd.DataFrame) -> pa.Table:
    """Per year: do documents carry trust and control language together, or one instead?

    Args:
        counts: The sentences counted per document.
        documents: As for :func:`trends_table`.

    Returns:
        A table with the :data:`schemas.LAYERING` schema.
    """
    docs = per_document(counts, documents)
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


def derived_tables(
    counts: SentenceCounts,
    documents: pd.DataFrame,
    families: Families,
    share_from: str = "labels",
    min_sentences: int = 1,
) -> dict[str, pa.Table]:
    """Every table computed from the stored sentences, by file name.

    Args:
        counts: The sentences counted per document, with term counts of ``families``.
        documents: Columns ``doc_id``, ``year``, ``status``, ``organisation``, ``doc_type``.
        families: Term families to track.
        share_from: Which share the sediment metrics of labels use.
        min_sentences: Fewest sentences a year needs to count in the sediment metrics.
    """
    trends = trends_table(counts, documents)
    terms = terms_table(counts, documents, families)
    return {
        "trends.parquet": trends,
        "terms.parquet": terms,
        "layering.parquet": layering_table(counts, documents),
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
        count_stored(output_dir / "sentences", families),
        documents.select(["doc_id", "year", "status", "organisation", "doc_type"]).to_pandas(),
        families,
        share_from,
        min_sentences,
    )
    return {name: table.to_pandas() for name, table in tables.items()}
