"""Terminal tables of the trends, sediment and layering datasets (rich)."""

from __future__ import annotations

import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

from pipeline.records import LABELS


def _number(value: object, digits: int = 3) -> str:
    if value is None or pd.isna(value):
        return "–"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _year(value: object) -> str:
    return "–" if value is None or pd.isna(value) else str(int(value))


def shares_table(trends: pd.DataFrame) -> Table:
    """Share of sentences per year and label, with the 95 % interval."""
    overall = trends[trends["level"] == "all"]
    table = Table(title="Share of sentences per year (95 % Wilson interval)")
    for column in ("year", "documents", "sentences", *LABELS):
        table.add_column(column, justify="right")
    for year, rows in overall.groupby("year", sort=True):
        by_label = rows.set_index("label")
        cells = [
            f"{by_label.loc[label, 'share']:.3f} "
            f"[{by_label.loc[label, 'share_low']:.3f}–{by_label.loc[label, 'share_high']:.3f}]"
            for label in LABELS
        ]
        first = rows.iloc[0]
        table.add_row(str(year), str(first["n_documents"]), str(first["n_sentences"]), *cells)
    return table


def sediment_rich_table(sediment: pd.DataFrame) -> Table:
    """One row per label, term family and term with its sediment metrics."""
    table = Table(title="Sediment: rise, peak and what is left")
    columns = ("kind", "name", "onset", "peak", "peak share", "latest", "latest share",
               "residual", "half-life", "phase")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("kind", "name", "phase") else "right")
    for row in sediment.itertuples():
        name = row.name if row.kind != "term" else f"  {row.name}"
        table.add_row(
            row.kind, name, _year(row.onset_year), _year(row.peak_year),
            _number(row.peak_share), _year(row.latest_year), _number(row.latest_share),
            _number(row.residual_ratio, 2), _year(row.half_life_years), _number(row.phase),
        )  # fmt: skip
    return table


def layering_rich_table(layering: pd.DataFrame) -> Table:
    """Per year: documents with trust, control, both, both by chance, and the correlation."""
    table = Table(title="Layering: trust and control language in the same documents")
    for column in ("year", "documents", "trust", "control", "both", "by chance", "r"):
        table.add_column(column, justify="right")
    for row in layering.itertuples():
        table.add_row(
            str(row.year), str(row.n_documents), _number(row.trust_doc_share),
            _number(row.control_doc_share), _number(row.both_doc_share),
            _number(row.expected_both_doc_share), _number(row.correlation, 2),
        )  # fmt: skip
    return table


def terms_rich_table(terms: pd.DataFrame) -> Table:
    """Per year, the share of sentences using each term family."""
    families = terms[terms["term"].isna()].pivot(index="year", columns="family", values="share")
    table = Table(title="Term families: share of sentences")
    table.add_column("year", justify="right")
    for family in families.columns:
        table.add_column(str(family), justify="right")
    for year, row in families.iterrows():
        table.add_row(str(year), *(f"{value:.4f}" for value in row))
    return table


def print_tables(tables: dict[str, pd.DataFrame], console: Console | None = None) -> None:
    """Print the shares, sediment, layering and term tables (160 columns wide when piped)."""
    console = console or Console(width=None if sys.stdout.isatty() else 160)
    console.print(shares_table(tables["trends.parquet"]))
    console.print(sediment_rich_table(tables["sediment.parquet"]))
    console.print(layering_rich_table(tables["layering.parquet"]))
    console.print(terms_rich_table(tables["terms.parquet"]))
