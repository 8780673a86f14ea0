"""The Swedish Hunspell dictionary as a morphological lexicon.

``hunspell-sv`` (LGPL-3, installed from PyPI) lists 279,000 stems with affix
flags that name their inflection class. :class:`Lexicon` analyses a word the
way Hunspell does — strip a suffix rule's ending, restore its stripped part,
and check that the stem exists and carries the rule's flag — and returns the
stem and its flags. The tagger uses the flags as features (they tell nouns
from verbs from adjectives), the lemmatiser the stems as lemma candidates.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pipeline.errors import Errors, SedimentError
from pipeline.loading import LoadOnce

DICTIONARY = Path(sys.prefix) / "share" / "hunspell" / "sv_SE"
_ONLY_IN_COMPOUND = "Z"
_NEEDS_AFFIX = "¤"
_FORBIDDEN = "%"


class Reading(NamedTuple):
    """One analysis of a word: its stem, the stem's flags, and whether a suffix was removed.

    A tuple of strings, so that Python's cyclic garbage collector does not track it.
    """

    stem: str
    flags: str
    inflected: bool


@dataclass(frozen=True)
class _Rule:
    flag: str
    strip: str
    add: str
    condition: re.Pattern[str] | None


class Lexicon:
    """Analyses Swedish word forms with Hunspell's dictionary and suffix rules."""

    def __init__(self, dic: Path, aff: Path) -> None:
        # Tuples of strings, unlike lists, are untracked by the cyclic garbage collector
        # once it has looked at them.
        self._stems: dict[str, tuple[tuple[str, str], ...]] = {}
        for line in dic.read_text(encoding="utf-8").splitlines()[1:]:
            word, _, flags = line.partition("/")
            word = word.strip()
            if word and " " not in word and _FORBIDDEN not in flags:
                lower = word.lower()
                self._stems[lower] = (*self._stems.get(lower, ()), (word, flags.strip()))
        self._rules: dict[str, list[_Rule]] = defaultdict(list)
        for line in aff.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) < 5 or parts[0] != "SFX":
                continue
            flag, strip, add, condition = parts[1], parts[2], parts[3], parts[4]
            add, _, continuation = add.partition("/")
            if _ONLY_IN_COMPOUND in continuation:
                continue
            rule = _Rule(
                flag=flag,
                strip="" if strip == "0" else strip.lower(),
                add="" if add == "0" else add,
                condition=None if condition == "." else re.compile(f"(?:{condition})$"),
            )
            self._rules[rule.add.lower()].append(rule)
        self._longest_ending = max(map(len, self._rules), default=0)
        self._cache: dict[str, tuple[Reading, ...]] = {}

    def readings(self, word: str) -> tuple[Reading, ...]:
        """Every analysis of ``word`` (case-insensitive), cached per word."""
        lower = word.lower()
        found = self._cache.get(lower)
        if found is None:
            found = self._cache[lower] = tuple(self._analyse(lower))
        return found

    def _analyse(self, lower: str) -> list[Reading]:
        readings = [
            Reading(stem, flags, inflected=False)
            for stem, flags in self._stems.get(lower, ())
            if _ONLY_IN_COMPOUND not in flags and _NEEDS_AFFIX not in flags
        ]
        for cut in range(len(lower) - 1, max(len(lower) - self._longest_ending, 0) - 1, -1):
            ending = lower[cut:]
            for rule in self._rules.get(ending, ()):
                candidate = lower[:cut] + rule.strip
                entries = self._stems.get(candidate)
                if (
                    entries is None
                    or len(candidate) < 2
                    or (rule.condition and not rule.condition.search(candidate))
                ):
                    continue
                for stem, flags in entries:
                    if rule.flag in flags:
                        readings.append(Reading(stem, flags, inflected=bool(ending or rule.strip)))
        return readings

    def knows(self, word: str) -> bool:
        """True when some analysis of ``word`` exists (not cached: compound parts are many)."""
        lower = word.lower()
        found = self._cache.get(lower)
        return bool(found) if found is not None else bool(self._analyse(lower))


def load_lexicon(path: str = str(DICTIONARY)) -> Lexicon:
    """Load the Swedish Hunspell dictionary installed with the ``hunspell-sv`` package.

    Loaded once per process and path.

    Raises:
        SedimentError: The dictionary files are not installed.
    """
    return _load_lexicon(path)


@LoadOnce
def _load_lexicon(path: str) -> Lexicon:
    dic, aff = Path(f"{path}.dic"), Path(f"{path}.aff")
    if not dic.is_file() or not aff.is_file():
        raise SedimentError(Errors.LEXICON_MISSING, path=dic)
    return Lexicon(dic, aff)
