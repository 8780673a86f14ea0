"""Write: Parquet datasets in an output folder, replaced atomically as one generation.

Layout of an output folder::

    OUT/documents/          -> .sediment/current/documents/part-0.parquet
    OUT/sentences/          -> .sediment/current/sentences/year=YYYY/<doc_id>.parquet
    OUT/sentences_undated/  -> .sediment/current/sentences_undated/<doc_id>.parquet
    OUT/failures/           -> .sediment/current/failures/part-0.parquet
    OUT/trends.parquet      -> .sediment/current/trends.parquet   (and terms, layering,
                                                                    sediment: schemas.DERIVED)
    OUT/.sediment/current   -> generations/<id>   (one symlink, swapped atomically)

A refresh builds a complete new generation in a staging folder — unchanged
documents' sentence files are hard-linked, not copied — then renames it into
``generations/`` and swaps the ``current`` link with one ``os.replace``. A
refresh that fails or is killed before the swap leaves the previous datasets
as they were. A refresh holds ``OUT/.sediment/lock`` (an exclusive ``flock``)
from its plan to its commit, so two refreshes never write one folder at once;
the kernel releases the lock of a process that dies.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import schemas
from pipeline.discover import StoredDocument
from pipeline.errors import Errors, SedimentError

log = logging.getLogger(__name__)

STATE_DIR = ".sediment"
_LOCK_FILE = "lock"
_LOCK_POLL_SECONDS = 0.2
_HOLDERS: dict[Path, int] = {}  # output folder -> the thread of this process that locked it
DATASETS = ("documents", "sentences", "sentences_undated", "failures", *schemas.DERIVED)
_TABLE_FILE = "part-0.parquet"
_DERIVED_SIGNATURE = "derived-signature.txt"


def sentence_file(generation: Path, doc_id: str, year: int | None) -> Path:
    """Where the sentences of one document live inside a generation.

    Documents with a year go to the hive partition ``sentences/year=YYYY``.
    Documents without one go to ``sentences_undated/``: a null hive partition
    cannot be read by pandas, and a file outside the partitions upsets DuckDB.
    """
    if year is None:
        return generation / "sentences_undated" / f"{doc_id}.parquet"
    return generation / "sentences" / f"year={year}" / f"{doc_id}.parquet"


def discard_sentence_file(generation: Path, doc_id: str) -> None:
    """Remove a document's sentence file from a generation, and any half-written one."""
    for pattern in (f"{doc_id}.parquet", f".{doc_id}.parquet.*.tmp"):
        for path in generation.glob(f"sentences*/**/{pattern}"):
            path.unlink(missing_ok=True)


def write_table(table: pa.Table, path: Path) -> None:
    """Write one Parquet file via a temporary name, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, temporary, compression="zstd")
    os.replace(temporary, path)


def write_tables(tables: Iterable[pa.Table], schema: pa.Schema, path: Path) -> int:
    """Write a stream of tables as one Parquet file via a temporary name.

    Only one table of the stream is in memory at a time.

    Returns:
        The number of rows written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    rows = 0
    try:
        with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
            for table in tables:
                writer.write_table(table)
                rows += table.num_rows
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
    return rows


class Store:
    """One output folder of sediment datasets."""

    def __init__(self, root: Path) -> None:
        """Open ``root``, creating it if needed.

        Raises:
            SedimentError: ``root`` holds other files and is not a sediment output.
        """
        self.root = root.resolve()
        self.state = self.root / STATE_DIR
        if self.root.exists() and not self.state.exists() and any(self.root.iterdir()):
            raise SedimentError(Errors.OUTPUT_NOT_A_STORE, path=self.root)
        (self.state / "generations").mkdir(parents=True, exist_ok=True)

    @contextmanager
    def lock(self, timeout: float) -> Iterator[None]:
        """Hold the folder's write lock; wait up to ``timeout`` seconds for it.

        The lock file names its holder. A holder that died leaves its name
        behind but not the lock (the kernel releases it); that stale name is
        logged and replaced. The lock is re-entrant within one thread, so the
        command line can take it before it starts a flow that takes it too;
        another thread waits like another process.

        Raises:
            SedimentError: Another process held the lock for the whole timeout.
        """
        if _HOLDERS.get(self.root) == threading.get_ident():
            yield  # this thread holds it already (the CLI locks, then its flow does)
            return
        handle = (self.state / _LOCK_FILE).open("a+", encoding="utf-8")
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        handle.seek(0)
                        raise SedimentError(
                            Errors.OUTPUT_LOCKED,
                            path=self.root,
                            holder=handle.read().strip() or "another process",
                            waited=timeout,
                        ) from None
                    time.sleep(_LOCK_POLL_SECONDS)
            handle.seek(0)
            if stale := handle.read().strip():
                log.warning("released the stale lock of %s on %s", stale, self.root)
            handle.truncate(0)
            started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {started}")
            handle.flush()
            _HOLDERS[self.root] = threading.get_ident()
            try:
                yield
            finally:
                del _HOLDERS[self.root]
                handle.truncate(0)
                handle.flush()
        finally:
            handle.close()  # closing the file releases the lock

    @property
    def current(self) -> Path | None:
        """The folder of the current generation, or None before the first refresh."""
        link = self.state / "current"
        return link.resolve() if link.is_symlink() else None

    @property
    def derived_signature(self) -> str | None:
        """What the current generation's derived tables were computed with, if known."""
        if self.current is None or not (self.current / _DERIVED_SIGNATURE).is_file():
            return None
        return (self.current / _DERIVED_SIGNATURE).read_text(encoding="utf-8")

    def stored_documents(self) -> dict[str, StoredDocument]:
        """Stored documents by path, as the current generation records them."""
        table = self.read_table("documents")
        if table is None:
            return {}
        return {
            row["path"]: StoredDocument(
                path=row["path"],
                doc_id=row["doc_id"],
                status=row["status"],
                meta_hash=row["meta_hash"],
                versions=(row["pipeline_version"], row["annotator_version"], row["model_version"]),
            )
            for row in table.to_pylist()
        }

    def read_table(self, name: str) -> pa.Table | None:
        """Read the current ``documents`` or ``failures`` table, if there is one."""
        if self.current is None:
            return None
        schema = schemas.DOCUMENTS if name == "documents" else schemas.FAILURES
        return pq.read_table(self.current / name / _TABLE_FILE, schema=schema)

    def begin(self) -> Path:
        """Create an empty staging folder for a new generation and return it.

        Staging folders left by refreshes that died are removed first.
        """
        for stale in self.state.glob("staging-*"):
            shutil.rmtree(stale)
        staging = self.state / f"staging-{uuid.uuid4().hex[:12]}"
        (staging / "sentences").mkdir(parents=True)
        (staging / "sentences_undated").mkdir()
        return staging

    def carry_over(self, staging: Path, doc_id: str, year: int | None) -> None:
        """Hard-link an unchanged document's sentence file into the new generation."""
        if self.current is None:
            return
        source = sentence_file(self.current, doc_id, year)
        if source.exists():
            target = sentence_file(staging, doc_id, year)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)

    def commit(
        self,
        staging: Path,
        documents: pa.Table,
        failures: pa.Table,
        derived: Mapping[str, pa.Table],
        derived_signature: str = "",
    ) -> Path:
        """Write the tables into ``staging`` and make it the current generation.

        Args:
            staging: The folder from :meth:`begin`, with the sentence files.
            documents: The documents table.
            failures: The failures table.
            derived: The tables of :data:`schemas.DERIVED`, by file name.
            derived_signature: What they were computed with (term list, settings).

        Returns:
            The new generation's folder.
        """
        write_table(documents.cast(schemas.DOCUMENTS), staging / "documents" / _TABLE_FILE)
        write_table(failures.cast(schemas.FAILURES), staging / "failures" / _TABLE_FILE)
        for name, schema in schemas.DERIVED.items():
            write_table(derived[name].cast(schema), staging / name)
        (staging / _DERIVED_SIGNATURE).write_text(derived_signature, encoding="utf-8")
        previous = self.current
        generation = self.state / "generations" / staging.name.removeprefix("staging-")
        os.replace(staging, generation)
        link = self.state / f".current-{generation.name}"
        link.symlink_to(Path("generations") / generation.name)
        os.replace(link, self.state / "current")
        self._link_datasets()
        for old in (self.state / "generations").iterdir():
            if old not in (generation, previous):
                shutil.rmtree(old)
        return generation

    def _link_datasets(self) -> None:
        """Point ``OUT/<dataset>`` at the current generation (once; the links never change)."""
        for name in DATASETS:
            link = self.root / name
            if not link.is_symlink():
                link.symlink_to(Path(STATE_DIR) / "current" / name)
