"""Sediment metrics: how a yearly share rises, peaks and what is left of it.

A series is a share per year (the share of sentences with a label, or with a
term of a family), from years that have sentences; years without sentences
are left out, not counted as zero (``pipeline.trends`` also leaves out years
with fewer than ``min_sentences`` sentences). The rules, one place for all of them:

- ``peak_year``: the year of the highest share (the earliest, on a tie);
- ``onset_year``: the first year whose share exceeds the baseline; the
  baseline is stated by the caller, by default half the peak share;
- ``latest_year``: the last year with sentences;
- ``residual_ratio``: latest share / peak share;
- ``half_life_years``: years from the peak to the first later year whose share
  is at most half the peak; empty if that has not happened;
- ``phase``: ``rising`` if the peak is the latest year; otherwise ``peaked``
  if the residual ratio is at least 0.75, ``sedimented`` if at least 0.25
  (a lower layer remains), ``faded`` below that. A series that is zero
  throughout has no peak and no phase.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

PEAKED_RESIDUAL = 0.75
SEDIMENTED_RESIDUAL = 0.25
_Z95 = 1.959963984540054


def wilson_interval(positive: int, total: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of ``positive / total``; (0, 1) when ``total`` is 0."""
    if total == 0:
        return 0.0, 1.0
    share = positive / total
    denominator = 1 + _Z95**2 / total
    centre = (share + _Z95**2 / (2 * total)) / denominator
    margin = _Z95 * math.sqrt(share * (1 - share) / total + _Z95**2 / (4 * total**2))
    return max(0.0, centre - margin / denominator), min(1.0, centre + margin / denominator)


@dataclass(frozen=True)
class Sediment:
    """The sediment metrics of one series; fields are None where the rules give nothing."""

    onset_year: int | None
    peak_year: int | None
    peak_share: float | None
    latest_year: int | None
    latest_share: float | None
    residual_ratio: float | None
    half_life_years: int | None
    phase: str | None


def sediment(shares: Mapping[int, float], baseline: float | None = None) -> Sediment:
    """The sediment metrics of a share per year (years with sentences only).

    Args:
        shares: Share per year; the years need not be consecutive.
        baseline: Share the onset must exceed; half the peak share if None.
    """
    years = sorted(shares)
    if not years:
        return Sediment(None, None, None, None, None, None, None, None)
    latest_year = years[-1]
    latest_share = shares[latest_year]
    peak_share = max(shares.values())
    if peak_share <= 0:
        return Sediment(None, None, 0.0, latest_year, latest_share, None, None, None)
    peak_year = next(year for year in years if shares[year] == peak_share)
    threshold = peak_share / 2 if baseline is None else baseline
    onset_year = next((year for year in years if shares[year] > threshold), None)
    half_life = next(
        (year - peak_year for year in years if year > peak_year and shares[year] <= peak_share / 2),
        None,
    )
    residual = latest_share / peak_share
    if peak_year == latest_year:
        phase = "rising"
    elif residual >= PEAKED_RESIDUAL:
        phase = "peaked"
    elif residual >= SEDIMENTED_RESIDUAL:
        phase = "sedimented"
    else:
        phase = "faded"
    return Sediment(
        onset_year, peak_year, peak_share, latest_year, latest_share, residual, half_life, phase
    )
