"""Prefect flow: refresh a corpus folder into sediment's Parquet datasets.

Documents are processed in batches, one task per batch, on the task runner
of ``--runner``: threads, Dask or Ray. With ``process``, the tasks run on
threads and hand their batches of documents to warm worker processes
(:mod:`pipeline.workers`), which import the pipeline and load its models once
instead of importing Prefect for every run. Batches that hit an ``OSError`` (a
file share hiccup) are retried. When only the steering model changed,
unchanged documents are reclassified from their stored sentences, also one
task per batch (on threads, for the ``process`` runner too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pyarrow.parquet as pq
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.client.schemas.schedules import CronSchedule
from prefect.futures import as_completed
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from pipeline import refresh, workers
from pipeline.errors import Errors, SedimentError
from pipeline.progress import progress_bar
from pipeline.records import DocumentResult, SourceFile
from pipeline.settings import Settings
from pipeline.write import Store


def _is_transient(_task: object, _run: TaskRun, state: State) -> bool:
    return isinstance(state.data, OSError)


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(corpus_dir: Path, output_dir: Path, settings: Settings) -> refresh.Job:
    """Scan and diff the corpus."""
    return refresh.plan(corpus_dir, output_dir, settings)


@task(
    name="process-batch",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_is_transient,
)
def process_batch_task(
    sources: list[SourceFile], staging: Path, settings: Settings
) -> list[DocumentResult]:
    """Extract, segment, annotate and classify a batch of files."""
    if settings.runner == "process":
        return refresh.process_batch_in_workers(sources, staging, settings)
    return refresh.process_batch(sources, staging, settings)


@task(
    name="reclassify-batch",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_is_transient,
)
def reclassify_batch_task(
    sources: list[SourceFile], previous: Path, staging: Path, settings: Settings
) -> int:
    """Rescore the stored sentences of a batch of unchanged files with the current model."""
    return refresh.reclassify_batch(sources, previous, staging, settings)


@task(name="commit", cache_policy=NO_CACHE)
def commit_task(
    job: refresh.Job, results: list[DocumentResult], reclassified_sentences: int
) -> refresh.Summary:
    """Write the tables and swap in the new generation."""
    return refresh.commit(job, results, reclassified_sentences)


@flow(
    name="sediment-refresh",
    task_runner=ThreadPoolTaskRunner(max_workers=Settings.workers),  # served and deployed runs
)
def refresh_flow(
    corpus_dir: str, output_dir: str, settings: dict[str, Any] | None = None
) -> refresh.Summary:
    """Refresh ``output_dir`` from the files in ``corpus_dir``, holding its write lock.

    Args:
        corpus_dir: Folder of PDFs and text files, with optional manifest.csv files.
        output_dir: Output folder for the datasets.
        settings: Values for :class:`pipeline.settings.Settings`; defaults if omitted.
    """
    config = Settings(**(settings or {}))
    if config.runner == "process":
        workers.start(config)  # they warm up while the refresh plans
    with Store(Path(output_dir)).lock(config.lock_timeout):
        job = plan_task(Path(corpus_dir), Path(output_dir), config)
        results: list[DocumentResult] = []
        reclassified = 0
        if job.staging is not None:
            sources = job.plan.to_process
            futures = {
                process_batch_task.submit(batch, job.staging, job.settings): len(batch)
                for batch in refresh.batches(sources, config.batch_size)
            }
            rescoring = [
                reclassify_batch_task.submit(batch, job.previous, job.staging, job.settings)
                for batch in refresh.batches(job.plan.reclassify, config.batch_size)
            ]
            with progress_bar(len(sources), "documents", config.progress) as advance:
                for future in as_completed(list(futures)):
                    results.extend(future.result())
                    advance(futures[future])
            reclassified = sum(future.result() for future in rescoring)
        summary = commit_task(job, results, reclassified)
    create_markdown_artifact(
        key="sediment-refresh", markdown=summary.markdown(), description="What the refresh did"
    )
    if summary.generation is not None:
        trends = pq.read_table(
            summary.generation / "trends.parquet", filters=[("level", "=", "all")]
        )
        columns = [
            "year",
            "label",
            "n_documents",
            "n_sentences",
            "share",
            "share_low",
            "share_high",
        ]
        create_table_artifact(
            key="sediment-trends",
            table=trends.select(columns).to_pylist(),
            description="Share of sentences per year and label, with 95 % Wilson intervals",
        )
    return summary


def task_runner(settings: Settings) -> TaskRunner:
    """The task runner ``settings.runner`` names, sized by ``settings.workers``.

    The ``process`` runner's tasks run on threads: they only wait for the warm
    worker processes that do the work.

    Raises:
        SedimentError: Ray was asked for and is not installed.
    """
    if settings.runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        cluster = {
            "n_workers": settings.workers,
            "threads_per_worker": 1,
            "dashboard_address": None,
        }
        return DaskTaskRunner(cluster_kwargs=cluster)
    if settings.runner == "ray":
        try:
            from prefect_ray import RayTaskRunner
        except ImportError as error:
            raise SedimentError(Errors.RAY_MISSING) from error
        return RayTaskRunner(address=settings.ray_address or None)
    return ThreadPoolTaskRunner(max_workers=settings.workers)


def run_refresh(corpus_dir: Path, output_dir: Path, settings: Settings) -> refresh.Summary:
    """Run the flow once, now, with the task runner of ``settings.runner``.

    The output folder's lock is taken first, so a busy folder stops the command
    with a clear message before a flow run starts.

    Flow-run heartbeats are off for this run: they let a server mark a
    deployment's dead runs as crashed, and Prefect's heartbeat thread adds up
    to a second to the end of every run. Served and deployed runs keep them.
    """
    configured = refresh_flow.with_options(task_runner=task_runner(settings))
    with (
        Store(output_dir).lock(settings.lock_timeout),  # before Prefect starts the run
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        return configured(str(corpus_dir), str(output_dir), settings.as_dict())


def serve_refresh(
    corpus_dir: Path, output_dir: Path, settings: Settings, cron: str, name: str
) -> None:
    """Serve the refresh as the deployment ``sediment-refresh/<name>``, run on ``cron``.

    Blocks until interrupted. At most one run of the deployment runs at a time
    (and the output folder's lock guards against other writers). Served runs
    use the flow's thread pool, with ``process`` also worker processes of
    their own; Dask and Ray need a work pool (prefect.yaml).

    Raises:
        SedimentError: ``cron`` is not a cron expression.
    """
    try:
        CronSchedule(cron=cron)
    except ValueError as error:
        raise SedimentError(Errors.BAD_CRON, cron=cron) from error
    refresh_flow.serve(
        name=name,
        cron=cron,
        global_limit=1,
        parameters={
            "corpus_dir": str(corpus_dir.resolve()),
            "output_dir": str(output_dir.resolve()),
            "settings": settings.as_dict(),
        },
        description=f"Refresh {corpus_dir} into {output_dir}",
    )
