import pytest

from pipeline.metrics import Sediment, sediment, wilson_interval

# A wave: a low start, a rise to a peak in 2020 and a lower plateau.
WAVE = {2014: 0.02, 2016: 0.04, 2018: 0.10, 2019: 0.16, 2020: 0.20, 2021: 0.12, 2022: 0.08,
        2023: 0.09, 2024: 0.08}  # fmt: skip


def test_a_wave_that_left_a_layer_is_sedimented():
    assert sediment(WAVE) == Sediment(
        onset_year=2019,  # first share above half the peak (0.10 is not above 0.10)
        peak_year=2020,
        peak_share=0.20,
        latest_year=2024,
        latest_share=0.08,
        residual_ratio=pytest.approx(0.4),
        half_life_years=2,  # 2022 is the first year at or below 0.10
        phase="sedimented",
    )


def test_a_stated_baseline_sets_the_onset():
    assert sediment(WAVE, baseline=0.03).onset_year == 2016
    assert sediment(WAVE, baseline=0.5).onset_year is None


def test_missing_years_count_as_time_not_as_zeros():
    gappy = {2010: 0.3, 2015: 0.1}
    assert sediment(gappy).half_life_years == 5
    assert sediment(gappy).residual_ratio == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("shares", "phase", "half_life"),
    [
        ({2019: 0.1, 2020: 0.2}, "rising", None),  # the peak is the latest year
        ({2019: 0.2, 2020: 0.16}, "peaked", None),  # residual 0.8
        ({2019: 0.2, 2020: 0.05}, "sedimented", 1),  # residual 0.25 is still a layer
        ({2019: 0.2, 2020: 0.049}, "faded", 1),  # below 0.25
    ],
)
def test_phases_follow_the_documented_rules(shares, phase, half_life):
    result = sediment(shares)
    assert (result.phase, result.half_life_years) == (phase, half_life)


def test_a_single_year_is_its_own_peak_and_still_rising():
    assert sediment({2021: 0.07}) == Sediment(2021, 2021, 0.07, 2021, 0.07, 1.0, None, "rising")


def test_a_series_without_any_positive_has_no_peak():
    result = sediment({2019: 0.0, 2020: 0.0})
    assert (result.peak_year, result.phase, result.residual_ratio) == (None, None, None)
    assert (result.latest_year, result.peak_share) == (2020, 0.0)


def test_no_years_gives_empty_metrics():
    assert sediment({}) == Sediment(None, None, None, None, None, None, None, None)


def test_ties_take_the_earliest_peak():
    assert sediment({2018: 0.3, 2019: 0.1, 2020: 0.3}).peak_year == 2018


def test_wilson_interval_matches_a_hand_computation():
    low, high = wilson_interval(10, 100)  # p=0.1, n=100, z=1.96
    assert (round(low, 4), round(high, 4)) == (0.0552, 0.1744)
    assert wilson_interval(0, 20)[0] == 0.0 and 0 < wilson_interval(0, 20)[1] < 0.2
    assert wilson_interval(5, 5)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)
