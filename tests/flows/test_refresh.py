import inspect
import os
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from pipeline import refresh
from pipeline.settings import Settings
from tests.conftest import ROOT, SAMPLE

pytestmark = [pytest.mark.flow, pytest.mark.slow]


def sorted_frame(frame, keys, drop=()):
    return frame.drop(columns=list(drop)).sort_values(keys).reset_index(drop=True)


def test_flow_writes_the_same_datasets_as_the_plain_executor(
    prefect_server, small_corpus, bad_pdfs, tmp_path
):
    from flows.refresh import run_refresh

    shutil.copy(bad_pdfs["CorruptPdf"], small_corpus / "truncated.pdf")
    settings = Settings(progress=False, batch_size=2, workers=2)
    summary = run_refresh(small_corpus, tmp_path / "flow", settings)
    refresh.run(small_corpus, tmp_path / "plain", settings)

    assert summary.counts["new"] == 8 and summary.counts["failed"] == 1
    for name, keys, drop in [
        ("sentences", ["doc_id", "sentence_idx"], ()),
        ("documents", ["path"], ("ingested_at",)),
        ("failures", ["path"], ("at",)),
    ]:
        pd.testing.assert_frame_equal(
            sorted_frame(pd.read_parquet(tmp_path / "flow" / name), keys, drop),
            sorted_frame(pd.read_parquet(tmp_path / "plain" / name), keys, drop),
        )
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "flow" / "trends.parquet"),
        pd.read_parquet(tmp_path / "plain" / "trends.parquet"),
    )


def test_flow_publishes_a_markdown_summary_and_is_incremental(
    prefect_server, small_corpus, tmp_path
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.refresh import run_refresh

    settings = Settings(progress=False)
    run_refresh(small_corpus, tmp_path / "out", settings)
    shutil.copy(SAMPLE / "pdf/2016_dir-2016-15_dataskyddsforordningen.pdf", small_corpus / "d.pdf")
    second = run_refresh(small_corpus, tmp_path / "out", settings)
    assert (second.counts["new"], second.counts["unchanged"]) == (1, 7)
    assert run_refresh(small_corpus, tmp_path / "out", settings).generation is None

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sediment-refresh"]))
        )
        tables = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sediment-trends"]))
        )
    reports = [artifact.data for artifact in artifacts]
    assert any("| new | 1 |" in report and "| unchanged | 7 |" in report for report in reports)
    assert tables and all(artifact.type == "table" for artifact in tables)
    assert '"label": "trust"' in tables[0].data and '"share_low"' in tables[0].data


@pytest.mark.parametrize("runner", ["dask", "process"])
def test_other_task_runners_write_the_same_datasets_row_for_row(
    prefect_server, small_corpus, tmp_path, runner
):
    from flows.refresh import run_refresh

    settings = Settings(progress=False, batch_size=2, workers=2, runner=runner)
    summary = run_refresh(small_corpus, tmp_path / runner, settings)
    refresh.run(small_corpus, tmp_path / "plain", Settings(progress=False))

    assert summary.counts["new"] == 7 and summary.counts["failed"] == 0
    for name, keys, drop in [
        ("sentences", ["doc_id", "sentence_idx"], ()),
        ("documents", ["path"], ("ingested_at",)),
    ]:
        pd.testing.assert_frame_equal(
            sorted_frame(pd.read_parquet(tmp_path / runner / name), keys, drop),
            sorted_frame(pd.read_parquet(tmp_path / "plain" / name), keys, drop),
        )
    for name in ("trends.parquet", "sediment.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / runner / name), pd.read_parquet(tmp_path / "plain" / name)
        )


def test_serve_registers_a_scheduled_deployment(prefect_server, small_corpus, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    command = [
        sys.executable, "-m", "pipeline.cli", "serve", str(small_corpus),
        "--output", str(tmp_path / "out"), "--cron", "0 3 * * *", "--name", "test-nightly",
    ]  # fmt: skip
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120
        with get_client(sync_client=True) as client:
            while True:
                try:
                    deployment = client.read_deployment_by_name("sediment-refresh/test-nightly")
                    break
                except ObjectNotFound:
                    assert process.poll() is None, process.stdout.read()
                    assert time.monotonic() < deadline, "the deployment never appeared"
                    time.sleep(1)
        assert [s.schedule.cron for s in deployment.schedules] == ["0 3 * * *"]
        assert deployment.parameters["corpus_dir"] == str(small_corpus.resolve())
        assert deployment.parameters["settings"]["lock_timeout"] == 60
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_prefect_yaml_describes_the_refresh_deployment():
    from prefect.client.schemas.schedules import CronSchedule

    from flows.refresh import refresh_flow

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    path, name = deployment["entrypoint"].split(":")
    assert (ROOT / path).is_file() and name == refresh_flow.fn.__name__
    assert set(deployment["parameters"]) <= set(inspect.signature(refresh_flow.fn).parameters)
    Settings(**deployment["parameters"]["settings"])  # every setting is a real one
    for schedule in deployment["schedules"]:
        CronSchedule(cron=schedule["cron"])
    assert deployment["concurrency_limit"] == 1
