"""Term families: the vocabulary of a steering wave, tracked on lemmas.

A family maps each term to a regular expression over a sentence's lower-cased
lemmas joined by spaces (compounds match inside words). The built-in families
follow the domain; a TOML file replaces them::

    [families."trust wave"]
    tillitsbaserad = "tillitsbaserad"
    Tillitsdelegationen = "tillitsdelegation"
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import Errors, SedimentError

Families = dict[str, dict[str, re.Pattern[str]]]

DEFAULT_FAMILIES: dict[str, dict[str, str]] = {
    "trust wave": {
        "tillitsbaserad": r"tillitsbaserad",
        "tillitsskapande": r"tillitsskapande",
        "tillitsbalanserad": r"tillitsbalanserad",
        "tillitsreform": r"tillitsreform",
        "Tillitsdelegationen": r"tillitsdelegation",
    },
    "control": {
        "New Public Management": r"new public management|\bnpm\b",
        "mål- och resultatstyrning": r"mål- och resultatstyrning|målstyrning|resultatstyrning",
        "uppföljning": r"uppföljning|\bfölja upp\b",
    },
    "detail": {"detaljstyrning": r"detaljstyr"},
}


def compile_families(families: dict[str, dict[str, str]], source: str = "built-in") -> Families:
    """Compile each term's pattern.

    Raises:
        SedimentError: A pattern is not a valid regular expression.
    """
    compiled: Families = {}
    for family, terms in families.items():
        compiled[family] = {}
        for term, pattern in terms.items():
            try:
                compiled[family][term] = re.compile(str(pattern))
            except re.error as error:
                raise SedimentError(
                    Errors.BAD_TERMS, path=source, problem=f"{family}/{term}: {error}"
                ) from error
    return compiled


def load_families(path: str | Path | None) -> Families:
    """The term families of a TOML file, or the built-in ones for None or "".

    Raises:
        SedimentError: The file is missing, not TOML, or has no ``families`` table.
    """
    if not path:
        return compile_families(DEFAULT_FAMILIES)
    path = Path(path)
    if not path.is_file():
        raise SedimentError(Errors.FILE_NOT_FOUND, path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SedimentError(Errors.BAD_TERMS, path=path, problem=error) from error
    families = data.get("families")
    if not isinstance(families, dict) or not all(isinstance(t, dict) for t in families.values()):
        raise SedimentError(
            Errors.BAD_TERMS, path=path, problem='expected tables [families."<name>"]'
        )
    return compile_families(families, str(path))


def families_digest(path: str | Path | None) -> str:
    """A short digest of the term families in use, to notice a changed term list."""
    if not path or not Path(path).is_file():
        return "built-in"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def matching_terms(lemmas: Sequence[str], families: Families) -> list[tuple[str, str]]:
    """The (family, term) pairs whose pattern matches a sentence's lemmas."""
    text = " ".join(lemmas).lower()
    return [
        (family, term)
        for family, terms in families.items()
        for term, pattern in terms.items()
        if pattern.search(text)
    ]
