"""A self-contained HTML report of the trends: plots as embedded PNG, tables, examples."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pyarrow.dataset as ds

from pipeline.errors import Errors, SedimentError
from pipeline.records import LABELS
from pipeline.trends import read_sentences
from pipeline.write import Store

PERIOD_YEARS = 5
EXAMPLES_PER_PERIOD = 3
SECTIONS = ("shares", "sediment", "terms", "layering", "examples")
_COLOURS = {"trust": "#2a9d8f", "control": "#e76f51", "detail": "#6d597a"}
_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2em 0.5em; text-align: right; }
.wide { overflow-x: auto; font-size: 0.85em; }
th:first-child, td:first-child, td.text { text-align: left; }
img { max-width: 100%; }
blockquote { margin: 0.4em 0 0.8em 1em; color: #333; }
.source { color: #666; font-size: 0.85em; }
"""


def _nothing_to_draw(what: str) -> str:
    return f"<p><em>No {html.escape(what)} to draw.</em></p>"


def _png(figure: plt.Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="" src="data:image/png;base64,{encoded}">'


def shares_plot(trends: pd.DataFrame) -> str:
    """Share of sentences per year and label, with the 95 % interval as a band."""
    overall = trends[(trends["level"] == "all") & (trends["n_sentences"] > 0)]
    if overall.empty:
        return _nothing_to_draw("year with enough sentences")
    figure, axis = plt.subplots(figsize=(10, 4.2))
    for label in LABELS:
        rows = overall[overall["label"] == label].sort_values("year")
        axis.plot(rows["year"], rows["share"], marker="o", ms=3, label=label, color=_COLOURS[label])
        axis.fill_between(
            rows["year"], rows["share_low"], rows["share_high"], alpha=0.15, color=_COLOURS[label]
        )
    axis.set_xlabel("year")
    axis.set_ylabel("share of sentences")
    axis.legend()
    axis.grid(alpha=0.3)
    return _png(figure)


def terms_plot(terms: pd.DataFrame) -> str:
    """Share of sentences using each term, one panel per family."""
    families = list(dict.fromkeys(terms["family"]))
    if not families:
        return _nothing_to_draw("term family")
    figure, axes = plt.subplots(
        len(families), 1, figsize=(10, 2.6 * len(families)), sharex=True, squeeze=False
    )
    for axis, family in zip(axes[:, 0], families, strict=True):
        rows = terms[(terms["family"] == family) & terms["term"].notna()]
        for term, series in rows.groupby("term", sort=False):
            series = series.sort_values("year")
            axis.plot(series["year"], series["share"], marker="o", ms=2, label=term)
        axis.set_title(family, loc="left")
        axis.set_ylabel("share")
        axis.legend(fontsize=8, ncols=2)
        axis.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("year")
    return _png(figure)


def layering_plot(layering: pd.DataFrame) -> str:
    """Documents with trust, control and both kinds of language, and both by chance."""
    if layering.empty:
        return _nothing_to_draw("year with enough sentences")
    figure, axis = plt.subplots(figsize=(10, 3.8))
    axis.plot(layering["year"], layering["trust_doc_share"], label="trust", color=_COLOURS["trust"])
    axis.plot(
        layering["year"], layering["control_doc_share"], label="control", color=_COLOURS["control"]
    )
    axis.plot(layering["year"], layering["both_doc_share"], label="both", color="black")
    axis.plot(
        layering["year"],
        layering["expected_both_doc_share"],
        label="both, by chance",
        color="black",
        linestyle="--",
    )
    axis.set_ylabel("share of documents")
    axis.set_xlabel("year")
    axis.legend()
    axis.grid(alpha=0.3)
    return _png(figure)


def _table(frame: pd.DataFrame, digits: int = 3) -> str:
    def cell(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
            return "–"
        if isinstance(value, float):
            return f"{value:.{digits}f}"
        return html.escape(str(value))

    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell(value)}</td>" for value in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def examples(output_dir: Path, per_period: int = EXAMPLES_PER_PERIOD) -> pd.DataFrame:
    """The most confident positive sentences per label and period of ``PERIOD_YEARS`` years.

    Returns:
        Columns ``label``, ``period``, ``p``, ``text``, ``title``, ``path``, ``page``.
    """
    columns = ["doc_id", "page", "text", "year", *LABELS, *(f"p_{label}" for label in LABELS)]
    any_label = ds.field(LABELS[0])
    for label in LABELS[1:]:
        any_label = any_label | ds.field(label)
    sentences = read_sentences(output_dir / "sentences", columns, where=any_label)
    documents = Store(output_dir).read_table("documents").to_pandas()
    documents = documents[documents["status"] == "ok"][["doc_id", "title", "path"]]
    sentences = sentences.merge(documents, on="doc_id").astype(dict.fromkeys(LABELS, bool))
    sentences["year"] = sentences["year"].astype(int)
    start = sentences["year"] - sentences["year"] % PERIOD_YEARS
    sentences["period"] = start.astype(str) + "–" + (start + PERIOD_YEARS - 1).astype(str)
    chosen = []
    for label in LABELS:
        positive = sentences[sentences[label]].sort_values(f"p_{label}", ascending=False)
        positive = positive.drop_duplicates("text")  # a sentence repeated across documents
        top = positive.groupby("period", sort=True).head(per_period)
        chosen.append(top.assign(label=label, p=top[f"p_{label}"]))
    found = pd.concat(chosen, ignore_index=True)
    return found.sort_values(["label", "period", "p"], ascending=[True, True, False])[
        ["label", "period", "p", "text", "title", "path", "page"]
    ]


def _examples_html(found: pd.DataFrame) -> str:
    parts = []
    for label in LABELS:
        parts.append(f"<h3>{label}</h3>")
        for period, rows in found[found["label"] == label].groupby("period", sort=True):
            parts.append(f"<h4>{html.escape(str(period))}</h4>")
            for row in rows.itertuples():
                page = "" if pd.isna(row.page) else f", page {int(row.page)}"
                title = row.title if isinstance(row.title, str) and row.title else row.path
                parts.append(
                    f"<blockquote>{html.escape(row.text)}<br><span class='source'>"
                    f"{html.escape(title)}{page} · p = {row.p:.2f}</span></blockquote>"
                )
    return "\n".join(parts)


def render(output_dir: Path, tables: dict[str, pd.DataFrame], min_sentences: int = 1) -> str:
    """The report as one HTML page.

    Args:
        output_dir: The output folder, for the example sentences.
        tables: The derived tables by file name (:func:`pipeline.trends.stored_derived`).
        min_sentences: Years with fewer sentences are not drawn (as in the sediment metrics).

    Raises:
        SedimentError: The folder holds no dated sentences to report on.
    """
    trends = tables["trends.parquet"]
    if trends.empty:
        raise SedimentError(Errors.NOTHING_STORED, path=output_dir)
    counts = trends[trends["level"] == "all"].groupby("year")["n_sentences"].first()
    drawn = set(counts[counts >= min_sentences].index)
    sediment = tables["sediment.parquet"].drop(columns=["share_from"])
    years = ["onset_year", "peak_year", "latest_year", "half_life_years"]
    sediment = sediment.astype(dict.fromkeys(years, "Int64"))
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "<h1>sediment: trust, control and detail steering over time</h1>",
        f"<p>Output folder <code>{html.escape(str(output_dir))}</code>, generated {generated}. "
        f"Shares count sentences of dated documents; bands are 95 % Wilson intervals. "
        f"Years with fewer than {min_sentences} sentences are not drawn and do not count in "
        "the sediment metrics.</p>",
        '<section id="shares"><h2>Share of sentences per label</h2>',
        shares_plot(trends[trends["year"].isin(drawn)]),
        "</section>",
        '<section id="sediment"><h2>Sediment</h2>'
        "<p>Onset: first year above the baseline (half the peak unless stated); residual: "
        "latest share / peak share; half-life: years from the peak until the share first "
        "falls to half of it; phase: rising (peak is the latest year), peaked (residual ≥ "
        "0.75), sedimented (≥ 0.25), faded (below).</p>",
        f'<div class="wide">{_table(sediment)}</div>',
        "</section>",
        '<section id="terms"><h2>Term variants</h2>',
        terms_plot(tables["terms.parquet"][tables["terms.parquet"]["year"].isin(drawn)]),
        "</section>",
        '<section id="layering"><h2>Layering or replacement</h2>'
        "<p>Documents with trust language, with control language, with both, and with both "
        "as often as chance would give; r is the correlation of documents' trust and control "
        "shares within a year.</p>",
        layering_plot(tables["layering.parquet"][tables["layering.parquet"]["year"].isin(drawn)]),
        f'<div class="wide">{_table(tables["layering.parquet"])}</div>',
        "</section>",
        '<section id="examples"><h2>Example sentences</h2>',
        _examples_html(examples(output_dir)),
        "</section>",
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>sediment report</title><style>{_STYLE}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
