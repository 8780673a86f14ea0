"""Discover: find the corpus files, hash them, and diff them against what is stored."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.errors import Errors, SedimentError
from pipeline.records import DocumentMeta, SourceFile, SourceKind

MANIFEST_NAME = "manifest.csv"
KINDS: dict[str, SourceKind] = {".pdf": "pdf", ".txt": "text", ".md": "text"}
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_LEADING_YEAR = re.compile(r"^\s*(\d{4})")
_HASH_CHUNK = 1 << 20
_NOT_DOCUMENTS = ("README", "LICENSE", "LICENCE")


@dataclass(frozen=True)
class StoredDocument:
    """What the output folder remembers of one file."""

    path: str
    doc_id: str
    status: str
    meta_hash: str
    versions: tuple[str, str, str]


@dataclass
class Plan:
    """The difference between the corpus folder and the stored datasets."""

    new: list[SourceFile] = field(default_factory=list)
    changed: list[SourceFile] = field(default_factory=list)
    unchanged: list[SourceFile] = field(default_factory=list)
    reclassify: list[SourceFile] = field(default_factory=list)
    duplicates: list[SourceFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duplicates_changed: bool = False

    @property
    def to_process(self) -> list[SourceFile]:
        """Files whose rows must be (re)built, in path order."""
        return sorted(self.new + self.changed, key=lambda source: source.path)

    @property
    def is_noop(self) -> bool:
        """True when the stored datasets already reflect the corpus."""
        return not (
            self.new or self.changed or self.reclassify or self.removed or self.duplicates_changed
        )


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def parse_date(value: str) -> tuple[dt.date | None, int | None]:
    """Read a manifest date: ``YYYY-MM-DD`` gives a date, ``YYYY…`` only a year."""
    if match := _FULL_DATE.match(value):
        year, month, day = map(int, match.groups())
        try:
            return dt.date(year, month, day), year
        except ValueError:
            return None, year
    if match := _LEADING_YEAR.match(value):
        return None, int(match.group(1))
    return None, None


def _clean(value: str | None) -> str | None:
    return value.strip() or None if value else None


def read_manifest(manifest: Path, root: Path | None = None) -> dict[Path, DocumentMeta]:
    """Read one ``manifest.csv``; its ``file`` column is relative to its folder.

    Columns: ``file`` (required), ``date`` and/or ``year``, ``organisation``,
    ``doc_type``, ``title``; other columns are ignored.

    Args:
        manifest: The file.
        root: The corpus folder that every listed file must be inside
            (the manifest's own folder if None).

    Raises:
        SedimentError: The manifest has no ``file`` column, a bad year, or a
            file outside ``root``.
    """
    root = (root or manifest.parent).resolve()
    with manifest.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise SedimentError(Errors.BAD_MANIFEST, path=manifest, problem="no 'file' column")
        entries: dict[Path, DocumentMeta] = {}
        for line_no, row in enumerate(reader, start=2):
            listed = (manifest.parent / row["file"]).resolve()
            if not listed.is_relative_to(root):
                raise SedimentError(
                    Errors.BAD_MANIFEST,
                    path=manifest,
                    problem=f"line {line_no}: {row['file']!r} is outside the corpus folder",
                )
            date, year = parse_date(row.get("date") or "")
            if year_text := _clean(row.get("year")):
                if not year_text.isdigit():
                    raise SedimentError(
                        Errors.BAD_MANIFEST,
                        path=manifest,
                        problem=f"line {line_no}: year {year_text!r} is not a number",
                    )
                year = int(year_text)
            entries[listed] = DocumentMeta(
                title=_clean(row.get("title")),
                organisation=_clean(row.get("organisation")),
                doc_type=_clean(row.get("doc_type")),
                date=date,
                year=year,
            )
    return entries


def meta_from_name(path: Path) -> DocumentMeta:
    """Metadata when no manifest names the file: a year in the file name, if any."""
    match = _YEAR_IN_NAME.search(path.stem)
    return DocumentMeta(year=int(match.group(1)) if match else None)


def meta_hash(meta: DocumentMeta) -> str:
    """A short stable digest of metadata, to notice manifest edits."""
    payload = json.dumps(asdict(meta), default=str, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def scan(corpus_dir: Path) -> list[SourceFile]:
    """Find every PDF, ``.txt`` and ``.md`` file under ``corpus_dir`` and hash it.

    Hidden files and README or LICENSE files are not documents and are skipped.

    Metadata comes from any ``manifest.csv`` in the tree (paths relative to
    it), else from a year in the file name.

    Symbolic links are followed only inside the corpus folder: a link that
    points out of it is refused, so a corpus cannot make sediment read (and
    store) files from elsewhere.

    Raises:
        SedimentError: The corpus folder does not exist, a manifest is bad, or
            a link points outside the corpus folder.
    """
    corpus_dir = corpus_dir.resolve()
    if not corpus_dir.is_dir():
        raise SedimentError(Errors.CORPUS_NOT_FOUND, path=corpus_dir)
    paths = sorted(corpus_dir.rglob("*"))
    outside = [
        path.relative_to(corpus_dir).as_posix()
        for path in paths
        if path.is_symlink() and not path.resolve().is_relative_to(corpus_dir)
    ]
    if outside:
        raise SedimentError(Errors.LINK_OUTSIDE_CORPUS, path=corpus_dir, links=", ".join(outside))
    manifest: dict[Path, DocumentMeta] = {}
    for manifest_path in sorted(corpus_dir.rglob(MANIFEST_NAME)):
        manifest.update(read_manifest(manifest_path, corpus_dir))
    sources = []
    for path in paths:
        kind = KINDS.get(path.suffix.lower())
        if kind is None or not path.is_file() or path.name.startswith("."):
            continue
        if path.name.upper().startswith(_NOT_DOCUMENTS):
            continue
        meta = manifest.get(path.resolve()) or meta_from_name(path)
        sources.append(
            SourceFile(
                path=path.relative_to(corpus_dir).as_posix(),
                abs_path=path,
                sha256=sha256_of(path),
                kind=kind,
                meta=meta,
                meta_hash=meta_hash(meta),
            )
        )
    return sources


def diff(
    sources: Iterable[SourceFile],
    stored: Mapping[str, StoredDocument],
    versions: tuple[str, str, str],
    retry_failed: bool = False,
) -> Plan:
    """Sort files into new, changed, unchanged, to reclassify, duplicate and removed.

    A file counts as changed when its content, its metadata or the pipeline or
    annotator version differs from what is stored. A file stored without
    failure whose only difference is the model version is to be reclassified:
    its stored sentences are rescored, not extracted again. A file that failed
    before is retried only when it changed, the model changed, or
    ``retry_failed`` is set. A second
    path with the content of an earlier one is a duplicate and is not processed.

    Args:
        sources: Files found by :func:`scan`.
        stored: Stored documents by path.
        versions: Current (pipeline, annotator, model) versions.
        retry_failed: Process failed files again even if unchanged.
    """
    plan = Plan()
    first_path_of: dict[str, str] = {}
    seen: set[str] = set()
    for source in sorted(sources, key=lambda item: item.path):
        seen.add(source.path)
        previous = stored.get(source.path)
        if source.sha256 in first_path_of:
            plan.duplicates.append(source)
            if previous is None or previous.status != "duplicate":
                plan.duplicates_changed = True
            continue
        first_path_of[source.sha256] = source.path
        if previous is None or previous.status in {"removed", "duplicate"}:
            plan.new.append(source)
        elif (
            previous.doc_id != source.sha256
            or previous.meta_hash != source.meta_hash
            or previous.versions[:2] != versions[:2]
            or (retry_failed and previous.status == "failed")
        ):
            plan.changed.append(source)
        elif previous.versions != versions:
            (plan.reclassify if previous.status == "ok" else plan.changed).append(source)
        else:
            plan.unchanged.append(source)
    plan.removed = sorted(
        path for path, doc in stored.items() if path not in seen and doc.status != "removed"
    )
    return plan
