"""Read CoNLL-U treebanks (Universal Dependencies)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GoldSentence:
    """The words of one treebank sentence with gold lemmas and UPOS."""

    forms: tuple[str, ...]
    lemmas: tuple[str, ...]
    upos: tuple[str, ...]


def read_conllu(path: Path) -> Iterator[GoldSentence]:
    """Yield sentences of syntactic words; multiword-token and empty-node lines are skipped."""
    forms: list[str] = []
    lemmas: list[str] = []
    upos: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                if forms:
                    yield GoldSentence(tuple(forms), tuple(lemmas), tuple(upos))
                    forms, lemmas, upos = [], [], []
                continue
            if line.startswith("#"):
                continue
            columns = line.split("\t")
            if "-" in columns[0] or "." in columns[0]:
                continue
            forms.append(columns[1])
            lemmas.append(columns[2])
            upos.append(columns[3])
    if forms:
        yield GoldSentence(tuple(forms), tuple(lemmas), tuple(upos))
