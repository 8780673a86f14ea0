import csv
import json

import pytest

from pipeline.annotate import build_annotator, evaluate, load_annotator, tokenize
from pipeline.conllu import read_conllu
from pipeline.records import Sentence
from pipeline.settings import Settings
from tests.conftest import ROOT, UD

TALBANKEN_TEST = UD / "sv_talbanken" / "sv_talbanken-ud-test.conllu"


@pytest.fixture(scope="module")
def annotator():
    return load_annotator(Settings().annotator_dir)


def test_tokenize_keeps_abbreviations_numbers_and_genitives():
    assert tokenize("Enligt SOU 2019:43, bl.a. kap. 3, ska EU:s krav på 45,2 mkr. följas.") == [
        "Enligt", "SOU", "2019:43", ",", "bl.a.", "kap.", "3", ",", "ska", "EU:s", "krav",
        "på", "45,2", "mkr.", "följas", ".",
    ]  # fmt: skip
    assert tokenize("Jfr. Prop. 1990/91:4, kapital. Skap.") == [
        "Jfr.", "Prop.", "1990/91:4", ",", "kapital", ".", "Skap", ".",
    ]  # fmt: skip


def test_governance_words_get_their_lemmas(annotator):
    tokens = tokenize("Nämnderna beslöt att styrdokumenten ska följas upp av kommunerna.")
    lemmas, upos = annotator.annotate_tokens(tokens)
    assert lemmas == [
        "nämnd", "besluta", "att", "styrdokument", "skola", "följa", "upp", "av", "kommun", ".",
    ]  # fmt: skip
    assert upos[0] == "NOUN" and upos[1] == "VERB" and upos[-1] == "PUNCT"


def test_compounds_and_participles_get_their_lemmas(annotator):
    tokens = tokenize("Med de tillitsbaserade reformerna minskade detaljstyrningen i kommunerna.")
    lemmas, upos = annotator.annotate_tokens(tokens)
    assert lemmas[2:4] == ["tillitsbaserad", "reform"] and upos[2] == "ADJ"
    assert lemmas[5] == "detaljstyrning" and lemmas[7] == "kommun"


def test_annotate_sentences_aligns_tokens_lemmas_and_tags(annotator):
    sentence = Sentence(0, 1, 0, 47, "Tillitsdelegationen lämnade sitt betänkande 2019.")
    (result,) = annotator.annotate([sentence])
    assert len(result.tokens) == len(result.lemmas) == len(result.upos) == 6
    assert result.lemmas[1] == "lämna"
    assert result.upos[4] == "NUM" and result.lemmas[4] == "2019"


def test_a_batch_is_tagged_as_its_sentences_one_by_one(annotator):
    sentences = [s.forms for s in read_conllu(UD / "sv_pud" / "sv_pud-ud-test.conllu")][:300]
    batch = annotator.annotate_batch(sentences)
    assert batch == [annotator.annotate_tokens(tokens) for tokens in sentences]
    assert annotator.annotate_batch([]) == [] and annotator.annotate_batch([[]]) == [([], [])]


def test_shipped_annotator_is_accurate_on_talbanken_test(annotator):
    scores = evaluate(annotator.annotate_batch, TALBANKEN_TEST)
    assert scores["tokens"] == 20377
    assert scores["lemma_accuracy"] >= 0.965  # simplemma alone: 0.948
    assert scores["upos_accuracy"] >= 0.93


def test_shipped_card_reports_the_same_numbers(annotator):
    card = json.loads((UD.parents[1] / "models/annotator/v5/card.json").read_text())
    assert card["version"] == annotator.version
    assert card["evaluation"]["sv_talbanken-ud-test.conllu"] == evaluate(
        annotator.annotate_batch, TALBANKEN_TEST
    )


@pytest.mark.slow
def test_build_annotator_from_a_treebank(tmp_path):
    train = UD / "sv_talbanken" / "sv_talbanken-ud-dev.conllu"
    card = build_annotator([train], [TALBANKEN_TEST], tmp_path, "test-1")
    built = load_annotator(str(tmp_path))
    assert built.version == "test-1"
    assert card["training_tokens"] == 9797
    assert 0.80 < card["evaluation"]["sv_talbanken-ud-test.conllu"]["upos_accuracy"] < 1


def test_governance_vocabulary_in_real_sentences(annotator):
    """Inflected forms from steering documents, each in a sentence from the corpora (≥ 98 %)."""
    with (ROOT / "tests" / "data" / "governance_lemmas.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) >= 100
    correct = 0
    for row in rows:
        tokens = tokenize(row["sentence"])
        lemmas, _ = annotator.annotate_tokens(tokens)
        correct += lemmas[tokens.index(row["form"])].lower() == row["lemma"].lower()
    assert correct / len(rows) >= 0.98
