"""Every setting, declared once with its default, description and allowed values.

The command line builds its options from these declarations, and the Prefect
flows receive them as a plain dictionary (``Settings.as_dict``).
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from pipeline.errors import Errors, SedimentError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MODELS_DIR = PROJECT_ROOT / "models"


def _setting(
    default: Any,
    description: str,
    allowed: str | tuple[Any, ...],
    commands: tuple[str, ...] = ("refresh",),
) -> Any:
    """Declare one setting.

    Args:
        default: Value used when the user gives none.
        description: One line shown in ``--help``.
        allowed: A tuple of the allowed values, ``"positive"`` for an int ≥ 1,
            ``"non-negative"`` for an int ≥ 0,
            ``"path"`` for a filesystem path, ``"text"`` for any string.
        commands: The commands that offer it as an option.
    """
    metadata = {"description": description, "allowed": allowed, "commands": commands}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Settings of a refresh. Paths may be strings; they are resolved on use."""

    batch_size: int = _setting(
        8, "Documents per task; larger batches mean fewer, longer Prefect tasks.", "positive"
    )
    workers: int = _setting(
        2, "Parallel tasks: threads, processes or local Dask workers.", "positive"
    )
    runner: str = _setting(
        "thread",
        "Where the flow's work runs: threads, warm worker processes, Dask or Ray.",
        ("thread", "process", "dask", "ray"),
    )
    dask_address: str = _setting(
        "",
        "Scheduler of an existing Dask cluster (tcp://host:8786); empty: a local cluster.",
        "text",
    )
    ray_address: str = _setting(
        "", "Address of an existing Ray cluster; empty: a local Ray instance.", "text"
    )
    backend: str = _setting(
        "pdfium", "PDF backend: pdfium is fast, pdfplumber slow.", ("pdfium", "pdfplumber")
    )
    ocr: bool = _setting(
        True,
        "Read scanned and garbled pages with Tesseract (tesseract-ocr, tesseract-ocr-swe).",
        (True, False),
    )
    annotator_dir: str = _setting(
        str(MODELS_DIR / "annotator" / "v5"),
        "Folder of the tagger and lemma tables (built by `sediment build-annotator`).",
        "path",
        ("refresh", "lemmatize"),
    )
    stanza_dir: str = _setting(
        str(MODELS_DIR / "stanza" / "v1"),
        "Folder of a Stanza model for `--backend stanza`: one built by `sediment "
        "build-stanza`, or Stanza's own model folder (see README).",
        "path",
        ("lemmatize",),
    )
    model_dir: str = _setting(
        str(MODELS_DIR / "steering" / "current"),
        "Folder of the steering classifier (built by `sediment train`; `current` is the "
        "model `sediment retrain` promoted last).",
        "path",
    )
    retry_failed: bool = _setting(
        False,
        "Process again files that failed before even if they have not changed.",
        (False, True),
    )
    terms: str = _setting(
        "",
        "TOML file of term families to track (see pipeline/terms.py); empty: the built-in "
        "trust-wave, control and detail families.",
        "path",
        ("refresh", "trends", "report"),
    )
    share_from: str = _setting(
        "labels",
        "Sediment metrics of labels from the share of positive sentences (labels) or the mean "
        "calibrated probability (probabilities, less biased for rare labels).",
        ("labels", "probabilities"),
        ("refresh", "trends", "report"),
    )
    min_sentences: int = _setting(
        50,
        "Years with fewer sentences are left out of the sediment metrics (too few to peak).",
        "positive",
        ("refresh", "trends", "report"),
    )
    lock_timeout: int = _setting(
        60,
        "Seconds to wait while another refresh writes the same output folder (0: do not wait).",
        "non-negative",
    )
    progress: bool = _setting(True, "Show progress bars on the terminal.", (False, True))

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            allowed = spec.metadata["allowed"]
            if allowed in ("positive", "non-negative"):
                least = 1 if allowed == "positive" else 0
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= least
                allowed_text = f"a whole number ≥ {least}"
            elif allowed == "path":
                ok = isinstance(value, str | Path)
                allowed_text = "a path"
            elif allowed == "text":
                ok = isinstance(value, str)
                allowed_text = "text"
            else:
                ok = value in allowed
                allowed_text = "one of " + ", ".join(map(repr, allowed))
            if not ok:
                raise SedimentError(
                    Errors.BAD_SETTING, name=spec.name, value=value, allowed=allowed_text
                )

    def as_dict(self) -> dict[str, Any]:
        """Plain values, safe to pass as Prefect flow parameters."""
        return asdict(self)


def allowed_values(name: str) -> tuple[Any, ...]:
    """The allowed values of a setting that has a fixed list of them."""
    return next(allowed for setting, _, _, allowed in describe() if setting == name)


def describe(command: str | None = None) -> list[tuple[str, Any, str, Any]]:
    """List the settings (of one command, or all) as (name, default, description, allowed)."""
    return [
        (spec.name, spec.default, spec.metadata["description"], spec.metadata["allowed"])
        for spec in fields(Settings)
        if spec.default is not MISSING and (command is None or command in spec.metadata["commands"])
    ]
