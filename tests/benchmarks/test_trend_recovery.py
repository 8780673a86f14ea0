"""The trend-recovery benchmark, run as a test: a known trust wave rendered as PDFs."""

import re

import pytest

from tests.conftest import ROOT, run_script

pytestmark = pytest.mark.slow


def test_a_known_trust_wave_is_recovered_from_pdfs():
    result = run_script(ROOT / "benchmarks" / "trend_recovery.py", "--seed", "7")
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if "labels:" in line)
    numbers = re.search(
        r"r ([\d.]+), MAE ([\d.]+), peak year (\d+) \(true (\d+)\).*error ([+-][\d.]+)", line
    )
    assert numbers, line
    r, mae, peak, true_peak, residual_error = numbers.groups()
    assert float(r) >= 0.95 and float(mae) <= 0.015
    assert peak == true_peak
    assert abs(float(residual_error)) <= 0.1
