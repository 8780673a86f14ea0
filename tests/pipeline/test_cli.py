import json
import subprocess
import sys

import pytest

from pipeline.cli import main
from tests.conftest import ROOT, SAMPLE, run_cli


def test_commands_that_run_no_flow_do_not_import_prefect():
    code = (
        "import sys; from pipeline.cli import main; main(['settings']); "
        "main(['extract', 'corpora/sample/pdf/2025_SFS-2025-487_instruktion-SBU.pdf']); "
        "assert 'prefect' not in sys.modules, 'prefect was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "batch_size = 8" in result.stdout


def test_errors_print_one_line_without_traceback(tmp_path):
    result = run_cli("refresh", str(tmp_path / "nowhere"), "--output", str(tmp_path / "o"))
    assert result.returncode == 2
    assert "[E201] Corpus folder not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_are_validated_from_their_declaration(tmp_path, capsys):
    assert main(["refresh", str(SAMPLE), "--output", str(tmp_path), "--batch-size", "0"]) == 2
    assert "'batch_size' = 0 is not allowed: a whole number ≥ 1" in capsys.readouterr().err


def test_extract_prints_the_clean_text_of_a_real_pdf(capsys):
    assert main(["extract", str(SAMPLE / "pdf/2016_dir-2016-15_dataskyddsforordningen.pdf")]) == 0
    text = capsys.readouterr().out
    assert "Regleringen i regeringsformen innebär att viss personuppgiftsbehandling" in text
    assert "studiestödsdatalagen" in text


def test_extract_jsonl_gives_paragraphs_with_kind_and_pages(capsys):
    pdf = SAMPLE / "pdf/2024_Hagfors-kommun_RSA-2023-2026_maskad.pdf"
    assert main(["extract", str(pdf), "--format", "jsonl", "--backend", "pdfium"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"prose", "heading", "toc"} <= {record["kind"] for record in records}
    assert all(set(record) == {"kind", "pages", "text"} for record in records)
    pages = [record["pages"][0] for record in records]
    assert pages == sorted(pages) and pages[-1] == 30


@pytest.mark.flow
@pytest.mark.slow
@pytest.mark.parametrize("runner", ["thread", "process"])
def test_refresh_command_runs_the_flow_and_prints_a_summary(
    prefect_server, small_corpus, tmp_path, capsys, runner
):
    out = tmp_path / "out"
    command = ["refresh", str(small_corpus), "--output", str(out), "--runner", runner]
    assert main([*command, "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "7 new" in printed and str(out / "sentences") in printed
    assert (out / "sentences").is_dir()


def test_retrain_refuses_missing_annotations_and_a_corpus_without_output(tmp_path):
    missing = run_cli("retrain", str(tmp_path / "nothing.csv"))
    assert missing.returncode == 2 and "[E210] File not found" in missing.stderr
    half = run_cli("retrain", "--corpus", str(SAMPLE))
    assert half.returncode == 2 and "--corpus/--output" in half.stderr


def test_trends_prints_shares_sediment_layering_and_terms(small_corpus, tmp_path):
    from pipeline import refresh
    from pipeline.settings import Settings

    out = tmp_path / "out"
    refresh.run(small_corpus, out, Settings(progress=False))
    result = run_cli("trends", str(out), "--min-sentences", "1")
    assert result.returncode == 0, result.stderr
    for title in ("Share of sentences per year", "Sediment", "Layering", "Term families"):
        assert title in result.stdout
    assert "Tillitsdelegationen" in result.stdout and "2019" in result.stdout
    empty = run_cli("trends", str(tmp_path / "nothing"))
    assert empty.returncode == 2 and "[E215]" in empty.stderr


def test_the_ray_runner_without_ray_installed_says_how_to_install_it(tmp_path):
    if subprocess.run([sys.executable, "-c", "import ray"], check=False).returncode == 0:
        pytest.skip("Ray is installed here")
    result = run_cli("refresh", str(SAMPLE), "--output", str(tmp_path / "o"), "--runner", "ray")
    assert result.returncode == 2 and "[E223]" in result.stderr and ".[ray]" in result.stderr
    assert not (tmp_path / "o").exists()
