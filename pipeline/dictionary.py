"""simplemma's Swedish dictionary, cached on disk as a trie so that it loads in milliseconds.

Decoding the dictionary simplemma ships (964,000 word forms) takes about a
second in every new process. simplemma's trie backend (MARISA) builds the same
dictionary once per machine (about two seconds) and keeps it in the user's
cache folder, from where it loads in a few milliseconds; its look-ups give the
same answers (tested). Where the cache cannot be written or read, the shipped
dictionary is decoded in memory as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
import unicodedata
from importlib.metadata import version
from pathlib import Path

from platformdirs import user_cache_dir
from simplemma.strategies import DictionaryLookupStrategy
from simplemma.strategies.dictionaries import DefaultDictionaryFactory
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory

from pipeline.loading import LoadOnce

CACHE_DIR = Path(user_cache_dir("sediment")) / f"simplemma-{version('simplemma')}"
_LANGUAGE = "sv"
log = logging.getLogger(__name__)


@LoadOnce
def dictionary_lookup(cache_dir: Path) -> DictionaryLookupStrategy:
    """Simplemma's look-up over its Swedish dictionary, as a trie cached in ``cache_dir``.

    The trie is built in a temporary folder and moved into place, so processes
    that start at once never read a half-written file.
    """
    cached = cache_dir / f"{_LANGUAGE}.dic"
    try:
        if not cached.is_file():
            cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=cache_dir) as building:
                TrieDictionaryFactory(disk_cache_dir=building).get_dictionary(_LANGUAGE)
                os.replace(Path(building) / cached.name, cached)
        factory = TrieDictionaryFactory(disk_cache_dir=str(cache_dir))
        lookup = DictionaryLookupStrategy(dictionary_factory=factory)
        lookup.get_lemma("och", _LANGUAGE)  # loads the dictionary now
    except (OSError, ImportError) as error:
        log.warning(
            "cannot use simplemma's dictionary cache in %s (%s); decoding it", cache_dir, error
        )
        lookup = DictionaryLookupStrategy(dictionary_factory=DefaultDictionaryFactory())
        lookup.get_lemma("och", _LANGUAGE)
    return lookup


def swedish_lemma(word: str) -> str | None:
    """The lower-cased lemma simplemma's dictionary gives a word it knows, else None.

    The same answer as ``simplemma.lemmatize`` gives a known word, without its
    per-call overhead.
    """
    lemma = dictionary_lookup(CACHE_DIR).get_lemma(
        unicodedata.normalize("NFC", word.lower()), _LANGUAGE
    )
    return None if lemma is None else lemma.lower()


def is_known(word: str) -> bool:
    """True when simplemma's Swedish dictionary knows ``word`` (any case)."""
    return swedish_lemma(word) is not None
