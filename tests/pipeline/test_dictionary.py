import pytest
from simplemma.strategies import DictionaryLookupStrategy
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

from pipeline.conllu import read_conllu
from pipeline.dictionary import dictionary_lookup
from tests.conftest import UD

TREEBANK = UD / "sv_talbanken" / "sv_talbanken-ud-test.conllu"


@pytest.fixture(autouse=True)
def _forget_test_dictionaries():
    """Each test's dictionary lives in its temporary folder: drop it afterwards."""
    yield
    dictionary_lookup.cache_clear()


def _forms() -> list[str]:
    return sorted({form.lower() for s in read_conllu(TREEBANK) for form in s.forms})


def test_the_cached_trie_answers_as_the_shipped_dictionary(tmp_path):
    shipped = DictionaryLookupStrategy(dictionary_factory=DefaultDictionaryFactory())
    cached = dictionary_lookup(tmp_path / "cache")
    forms = _forms()
    expected = [shipped.get_lemma(form, "sv") for form in forms]
    assert [cached.get_lemma(form, "sv") for form in forms] == expected
    assert sum(lemma is not None for lemma in expected) > 0.8 * len(forms)  # a real dictionary


def test_the_trie_is_built_once_and_then_read_from_the_cache(tmp_path):
    folder = tmp_path / "cache"
    dictionary_lookup(folder)
    (built,) = folder.iterdir()
    stamp = built.stat().st_mtime_ns
    dictionary_lookup.cache_clear()  # as a new process would
    assert dictionary_lookup(folder).get_lemma("myndigheterna", "sv") == "myndighet"
    assert list(folder.iterdir()) == [built] and built.stat().st_mtime_ns == stamp


def test_an_unwritable_cache_folder_falls_back_to_decoding(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    lookup = dictionary_lookup(blocker / "cache")
    assert lookup.get_lemma("myndigheterna", "sv") == "myndighet"
    assert "cannot use simplemma's dictionary cache" in caplog.text
