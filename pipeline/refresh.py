"""The refresh as three steps — plan, process batches, commit — and a plain executor.

Processing a batch means extracting, segmenting, annotating and classifying
new and changed files, or, when only the steering model changed, rescoring
the stored sentences of unchanged files (:func:`reclassify_batch`). The
Prefect flow in ``flows/refresh.py`` runs the same steps as tasks; :func:`run`
runs them one after the other, for tests and for library users.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import __version__, schemas, workers
from pipeline.annotate import load_annotator
from pipeline.cards import read_card
from pipeline.classify import load_model
from pipeline.discover import Plan, diff, scan
from pipeline.errors import Errors, InputError, SedimentError
from pipeline.extract import extract
from pipeline.loading import collector_paused
from pipeline.ocr import ocr_available
from pipeline.pdf_backends import PDF_BACKENDS
from pipeline.progress import progress_bar
from pipeline.records import (
    CHUNK_SENTENCES,
    LABELS,
    AnnotatedSentence,
    DocumentResult,
    Failure,
    LabelScores,
    SourceFile,
)
from pipeline.segment import segment
from pipeline.settings import Settings
from pipeline.terms import families_digest, load_families
from pipeline.trends import DERIVED_VERSION, count_stored, derived_tables
from pipeline.write import (
    DATASETS,
    Store,
    discard_sentence_file,
    sentence_file,
    write_table,
    write_tables,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """Everything the batch and commit steps need to know about one refresh."""

    corpus_dir: Path
    output_dir: Path
    previous: Path | None
    staging: Path | None
    plan: Plan
    versions: tuple[str, str, str]
    settings: Settings
    started: float


@dataclass(frozen=True)
class Summary:
    """What a refresh did."""

    output_dir: Path
    counts: dict[str, int]
    pages: int
    sentences: int
    reclassified_sentences: int
    seconds: float
    failures: list[Failure]
    generation: Path | None

    def text(self) -> str:
        """A few lines for the terminal."""
        counts = ", ".join(f"{value} {key}" for key, value in self.counts.items())
        lines = [
            f"Refreshed {self.output_dir} in {self.seconds:.1f} s: {counts}.",
            f"Read {self.pages} PDF pages and wrote {self.sentences} sentences.",
        ]
        if self.reclassified_sentences:
            lines.append(
                f"Reclassified {self.reclassified_sentences} stored sentences with the new model."
            )
        lines += [f"  failed: {failure.message}" for failure in self.failures]
        if self.generation is None:
            lines.append("Nothing changed; the datasets were left as they were.")
        written = [self.output_dir / name for name in DATASETS]
        lines.append("Datasets: " + ", ".join(str(path) for path in written if _has_data(path)))
        return "\n".join(lines)

    def markdown(self) -> str:
        """A Markdown report, for the Prefect artifact."""
        rows = "\n".join(f"| {key} | {value} |" for key, value in self.counts.items())
        failures = "\n".join(
            f"| `{f.path}` | {f.stage} | {f.error_type} | {f.message} |" for f in self.failures
        )
        return (
            f"# sediment refresh\n\nOutput: `{self.output_dir}`\n\n| files | count |\n"
            f"| --- | --- |\n{rows}\n\n{self.pages} PDF pages, {self.sentences} sentences written, "
            f"{self.reclassified_sentences} reclassified, {self.seconds:.1f} s.\n\n"
            + (
                f"## Failures\n\n| file | stage | type | message |\n| --- | --- | --- | --- |\n"
                f"{failures}\n"
                if self.failures
                else "No failures.\n"
            )
        )


def _has_data(path: Path) -> bool:
    return path.is_file() or any(path.rglob("*.parquet"))


def versions(settings: Settings) -> tuple[str, str, str]:
    """(pipeline, annotator, model) versions.

    A new pipeline or annotator version reprocesses every file; a new model
    version only reclassifies the stored sentences.

    The pipeline version names the PDF backend and whether OCR is on, so that
    installing Tesseract gets scanned and garbled pages read on the next refresh.
    """
    backend_version, _ = PDF_BACKENDS[settings.backend]
    ocr = "+ocr" if settings.ocr and ocr_available() else ""
    pipeline_version = f"{__version__}+{settings.backend}.{backend_version}{ocr}"
    return (
        pipeline_version,
        read_card(settings.annotator_dir, "annotator")["version"],
        read_card(settings.model_dir, "steering")["version"],
    )


def derived_signature(settings: Settings) -> str:
    """What the derived tables depend on besides the sentences: term list and share setting."""
    return (
        f"{DERIVED_VERSION} terms={families_digest(settings.terms)} "
        f"share={settings.share_from} min_sentences={settings.min_sentences}"
    )


def plan(corpus_dir: Path, output_dir: Path, settings: Settings) -> Job:
    """Scan the corpus, diff it against the output folder, and stage a new generation.

    A generation is also staged when only the term list or the share setting
    changed: the sentence files are carried over and the derived tables recomputed.
    """
    started = time.perf_counter()
    store = Store(output_dir)
    # One model for the whole refresh, even if `current` is promoted meanwhile.
    settings = replace(settings, model_dir=str(Path(settings.model_dir).resolve()))
    load_families(settings.terms)  # a bad term list stops the refresh before any work
    current_versions = versions(settings)
    job_plan = diff(
        scan(corpus_dir), store.stored_documents(), current_versions, settings.retry_failed
    )
    stale_trends = store.current is not None and store.derived_signature != derived_signature(
        settings
    )
    staging = None if job_plan.is_noop and not stale_trends else store.begin()
    return Job(
        corpus_dir.resolve(),
        store.root,
        store.current,
        staging,
        job_plan,
        current_versions,
        settings,
        started,
    )


def batches(sources: Sequence[SourceFile], size: int) -> Iterator[list[SourceFile]]:
    """Split sources into lists of at most ``size``."""
    for start in range(0, len(sources), size):
        yield list(sources[start : start + size])


def process_document(source: SourceFile, staging: Path, settings: Settings) -> DocumentResult:
    """Extract, segment, annotate and classify one file, and write its sentence file.

    Sentences go through annotation, classification and writing in chunks of
    ``CHUNK_SENTENCES``, so a huge document needs little more memory than its text.
    Bad input becomes a result with a failure instead of an exception. The
    cyclic garbage collector is paused while documents are processed
    (:func:`pipeline.loading.collector_paused`); a document leaves only a few
    unreachable cycles per page for it to collect afterwards.
    """
    with collector_paused():
        return _process_document(source, staging, settings)


def _process_document(source: SourceFile, staging: Path, settings: Settings) -> DocumentResult:
    stage = "extract"
    try:
        document = extract(source, settings.backend, settings.ocr)
        stage = "segment"
        sentences = segment(document)
        annotator = load_annotator(settings.annotator_dir)
        model = load_model(settings.model_dir)

        def sentence_tables() -> Iterator[pa.Table]:
            nonlocal stage
            for start in range(0, len(sentences), CHUNK_SENTENCES):
                stage = "annotate"
                annotated = annotator.annotate(sentences[start : start + CHUNK_SENTENCES])
                stage = "classify"
                scores = model.classify(annotated)
                stage = "write"
                yield _sentence_table(source.sha256, annotated, scores, model.version)

        write_tables(
            sentence_tables(),
            schemas.SENTENCE_FILE,
            sentence_file(staging, source.sha256, document.meta.year),
        )
    except InputError as error:
        return DocumentResult(source, source.meta, failure=_failure(source, stage, error))
    except (OSError, SedimentError):
        raise  # a file-system hiccup (retried by the flow) or a broken model: not the file's fault
    except Exception as error:
        log.exception("unexpected error in %s of %s", stage, source.path)
        return DocumentResult(source, source.meta, failure=_failure(source, stage, error))
    return DocumentResult(
        source=source,
        meta=document.meta,
        n_pages=document.n_pages,
        n_sentences=len(sentences),
        page_failures=tuple(
            _failure(
                source,
                "extract",
                InputError(Errors.PAGE_UNREADABLE, path=source.path, page=page, detail=detail),
            )
            for page, detail in document.failed_pages
        ),
        ocr_pages=document.ocr_pages,
        garbled_pages=document.garbled_pages,
        failed_pages=tuple(page for page, _ in document.failed_pages),
        furniture=document.furniture,
    )


def reclassify_document(
    source: SourceFile, previous: Path, staging: Path, settings: Settings
) -> int:
    """Rescore an unchanged file's stored sentences with the current model.

    Text, lemmas and everything else are kept; the labels, probabilities and
    model version are replaced, and the file is written into the new generation.

    Returns:
        The number of sentences rescored.

    Raises:
        SedimentError: The stored sentence file is missing (the output folder
            was damaged); a full refresh with a new output folder rebuilds it.
    """
    stored = sentence_file(previous, source.sha256, source.meta.year)
    if not stored.is_file():
        raise SedimentError(Errors.STORE_DAMAGED, path=stored)
    table = pq.read_table(stored, schema=schemas.SENTENCE_FILE)
    model = load_model(settings.model_dir)
    probabilities = model.probabilities(
        table.column("text").to_pylist(), table.column("lemmas").to_pylist()
    )
    decided = model.decide(probabilities)
    for index, label in enumerate(LABELS):
        table = table.set_column(
            table.schema.get_field_index(label), label, pa.array(decided[:, index], pa.bool_())
        )
        table = table.set_column(
            table.schema.get_field_index(f"p_{label}"),
            f"p_{label}",
            pa.array(probabilities[:, index], pa.float32()),
        )
    table = table.set_column(
        table.schema.get_field_index("model_version"),
        "model_version",
        pa.array([model.version] * table.num_rows, pa.string()),
    )
    write_table(
        table.cast(schemas.SENTENCE_FILE), sentence_file(staging, source.sha256, source.meta.year)
    )
    return table.num_rows


def reclassify_batch(
    sources: Sequence[SourceFile], previous: Path, staging: Path, settings: Settings
) -> int:
    """Reclassify a batch of unchanged files; returns the number of sentences rescored."""
    return sum(reclassify_document(source, previous, staging, settings) for source in sources)


def _failure(source: SourceFile, stage: str, error: Exception) -> Failure:
    """A failure row; a library's own exception is named by its class."""
    kind = error.kind if isinstance(error, SedimentError) else type(error).__name__
    message = str(error) if isinstance(error, SedimentError) else f"{source.path}: {error}"
    return Failure(
        path=source.path,
        sha256=source.sha256,
        stage=stage,
        error_type=kind,
        message=message,
        at=dt.datetime.now(dt.UTC),
    )


def _sentence_table(
    doc_id: str,
    annotated: Sequence[AnnotatedSentence],
    scores: Sequence[LabelScores],
    model_version: str,
) -> pa.Table:
    columns: dict[str, list[object]] = {name: [] for name in schemas.SENTENCE_FILE.names}
    for item, score in zip(annotated, scores, strict=True):
        sentence = item.sentence
        columns["doc_id"].append(doc_id)
        columns["sentence_idx"].append(sentence.idx)
        columns["page"].append(sentence.page)
        columns["char_start"].append(sentence.char_start)
        columns["char_end"].append(sentence.char_end)
        columns["text"].append(sentence.text)
        columns["lemmas"].append(list(item.lemmas))
        columns["upos"].append(list(item.upos))
        for label in LABELS:
            columns[label].append(score.decisions[label])
            columns[f"p_{label}"].append(score.probabilities[label])
        columns["model_version"].append(model_version)
    return pa.table(columns, schema=schemas.SENTENCE_FILE)


def process_batch(
    sources: Sequence[SourceFile], staging: Path, settings: Settings
) -> list[DocumentResult]:
    """Process a batch of files into the staging generation."""
    return [process_document(source, staging, settings) for source in sources]


def process_batch_in_workers(
    sources: Sequence[SourceFile], staging: Path, settings: Settings
) -> list[DocumentResult]:
    """:func:`process_batch` in a warm worker process (the ``process`` runner).

    When a worker of the shared pool dies, every batch that was waiting on
    the pool is processed again, one file after the other in a worker of its
    own: a file that kills that worker too becomes a failure (E111) with no
    sentences stored, and the others are stored.
    """
    try:
        return workers.run(settings, process_batch, sources, staging, settings)
    except workers.WorkerDied:
        log.warning("a worker process died; processing its %d files one by one", len(sources))
    with workers.Isolated() as isolated:
        return [_process_alone(isolated, source, staging, settings) for source in sources]


def _process_alone(
    isolated: workers.Isolated, source: SourceFile, staging: Path, settings: Settings
) -> DocumentResult:
    discard_sentence_file(staging, source.sha256)  # what a dead worker may have left
    try:
        return isolated.run(process_document, source, staging, settings)
    except workers.WorkerDied:
        discard_sentence_file(staging, source.sha256)
        error = InputError(Errors.WORKER_DIED, path=source.path)
        return DocumentResult(source, source.meta, failure=_failure(source, "process", error))


def _document_row(result: DocumentResult, job: Job, status: str) -> dict[str, object]:
    source, meta = result.source, result.meta
    pipeline_version, annotator_version, model_version = job.versions
    return {
        "doc_id": source.sha256,
        "path": source.path,
        "kind": source.kind,
        "title": meta.title,
        "organisation": meta.organisation,
        "doc_type": meta.doc_type,
        "date": meta.date,
        "year": meta.year,
        "n_pages": result.n_pages,
        "n_sentences": result.n_sentences,
        "ocr_pages": list(result.ocr_pages),
        "garbled_pages": list(result.garbled_pages),
        "failed_pages": list(result.failed_pages),
        "furniture": list(result.furniture),
        "status": status,
        "ingested_at": result.ingested_at,
        "meta_hash": source.meta_hash,
        "pipeline_version": pipeline_version,
        "annotator_version": annotator_version,
        "model_version": model_version,
    }


def _assemble_documents(
    job: Job, results: Sequence[DocumentResult], store: Store
) -> list[dict[str, object]]:
    """Rows of the new documents table; carries unchanged sentence files over."""
    stored = store.read_table("documents")
    stored_rows = {row["path"]: row for row in stored.to_pylist()} if stored else {}
    rows = [_document_row(result, job, "failed" if result.failure else "ok") for result in results]
    for source in job.plan.unchanged:
        row = stored_rows[source.path]
        rows.append(row)
        if row["status"] == "ok":
            store.carry_over(job.staging, row["doc_id"], row["year"])
    for source in job.plan.reclassify:
        rows.append({**stored_rows[source.path], "model_version": job.versions[2]})
    for source in job.plan.duplicates:
        previous = stored_rows.get(source.path)
        if previous and previous["status"] == "duplicate":
            rows.append(previous)
        else:
            rows.append(_document_row(DocumentResult(source, source.meta), job, "duplicate"))
    present = {row["path"] for row in rows}
    rows += [
        {**row, "status": "removed"} for path, row in stored_rows.items() if path not in present
    ]
    return sorted(rows, key=lambda row: row["path"])


def _assemble_failures(job: Job, failures: list[Failure], store: Store) -> list[dict[str, object]]:
    """This run's failures plus the stored ones of files that were not processed again."""
    stored = store.read_table("failures")
    unchanged = {source.path for source in (*job.plan.unchanged, *job.plan.reclassify)}
    kept = [row for row in stored.to_pylist() if row["path"] in unchanged] if stored else []
    return sorted(kept + [vars(failure) for failure in failures], key=lambda row: row["path"])


def commit(job: Job, results: Sequence[DocumentResult], reclassified_sentences: int = 0) -> Summary:
    """Assemble the new generation's tables and make it current.

    Args:
        job: The plan and staging folder of this refresh.
        results: One result per processed file.
        reclassified_sentences: How many stored sentences were rescored.
    """
    failed = [result.failure for result in results if result.failure]
    failures = failed + [page for result in results for page in result.page_failures]
    counts = {
        "new": len(job.plan.new),
        "changed": len(job.plan.changed),
        "unchanged": len(job.plan.unchanged),
        "reclassified": len(job.plan.reclassify),
        "removed": len(job.plan.removed),
        "duplicate": len(job.plan.duplicates),
        "failed": len(failed),
    }
    generation = None
    if job.staging is not None:
        store = Store(job.output_dir)
        documents = pa.Table.from_pylist(
            _assemble_documents(job, results, store), schema=schemas.DOCUMENTS
        )
        failure_table = pa.Table.from_pylist(
            _assemble_failures(job, failures, store), schema=schemas.FAILURES
        )
        families = load_families(job.settings.terms)
        derived = derived_tables(
            count_stored(job.staging / "sentences", families),
            documents.select(["doc_id", "year", "status", "organisation", "doc_type"]).to_pandas(),
            families,
            job.settings.share_from,
            job.settings.min_sentences,
        )
        generation = store.commit(
            job.staging, documents, failure_table, derived, derived_signature(job.settings)
        )
    return Summary(
        output_dir=job.output_dir,
        counts=counts,
        pages=sum(result.n_pages or 0 for result in results),
        sentences=sum(result.n_sentences for result in results),
        reclassified_sentences=reclassified_sentences,
        seconds=time.perf_counter() - job.started,
        failures=failures,
        generation=generation,
    )


def run(corpus_dir: Path, output_dir: Path, settings: Settings | None = None) -> Summary:
    """Refresh ``output_dir`` from ``corpus_dir`` in this process, batch after batch.

    With ``settings.runner`` ``process`` the batches go to warm worker
    processes, one at a time; other runners need the flow. The output folder is
    locked for the whole refresh (``settings.lock_timeout``).

    Args:
        corpus_dir: Folder of input files.
        output_dir: Output folder; created if needed.
        settings: Settings; defaults when None.
    """
    settings = settings or Settings()
    with Store(output_dir).lock(settings.lock_timeout):
        job = plan(corpus_dir, output_dir, settings)
        results: list[DocumentResult] = []
        reclassified = 0
        if job.staging is not None:
            sources = job.plan.to_process
            with progress_bar(len(sources), "documents", settings.progress) as advance:
                process = (
                    process_batch_in_workers if settings.runner == "process" else process_batch
                )
                for batch in batches(sources, settings.batch_size):
                    results.extend(process(batch, job.staging, job.settings))
                    advance(len(batch))
            for batch in batches(job.plan.reclassify, settings.batch_size):
                reclassified += reclassify_batch(batch, job.previous, job.staging, job.settings)
        return commit(job, results, reclassified)
