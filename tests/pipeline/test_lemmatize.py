import json
import re

import pytest

from pipeline.annotate import tokenize
from pipeline.lemmatize import SpacyBackend, StanzaBackend, read_vertical, write_vertical
from pipeline.segment import split_spans
from pipeline.settings import Settings
from tests.conftest import SHARED, UD, run_cli

BACKENDS = ["spacy", pytest.param("stanza", marks=pytest.mark.slow)]
TEXT = "Nämnderna beslöt bl.a. att följa upp styrdokumenten.\n\nDet gick bra. Tilliten ökade.\n"
TOKENS = "Kommunerna\nstyrdes\n\nav\nregleringsbreven\n.\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_lemmatize_raw_text_writes_one_token_per_line_and_blank_lines_between_sentences(backend):
    result = run_cli("lemmatize", "--backend", backend, stdin=TEXT)
    assert result.returncode == 0, result.stderr
    sentences = [s.splitlines() for s in result.stdout.split("\n\n") if s]
    tokens = [[line.split("\t")[0] for line in sentence] for sentence in sentences]
    assert tokens == [
        ["Nämnderna", "beslöt", "bl.a.", "att", "följa", "upp", "styrdokumenten", "."],
        ["Det", "gick", "bra", "."],
        ["Tilliten", "ökade", "."],
    ]
    rows = [line.split("\t") for sentence in sentences for line in sentence]
    assert all(len(row) == 3 and row[1] and row[2].isupper() for row in rows)
    assert rows[-1] == [".", ".", "PUNCT"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_pretokenized_input_gives_exactly_one_line_per_token(backend):
    result = run_cli("lemmatize", "--backend", backend, "--pretokenized", stdin=TOKENS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "Kommunerna", "styrdes", "", "av", "regleringsbreven", ".", "",
    ]  # fmt: skip
    assert lines[3:6] == ["av\tav\tADP", *lines[4:5], ".\t.\tPUNCT"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_evaluate_lemmas_prints_the_accuracies(backend):
    result = run_cli(
        "evaluate-lemmas", str(UD / "sv_pud" / "sv_pud-ud-test.conllu"), "--backend", backend
    )
    assert result.returncode == 0, result.stderr
    assert "tokens: 19076" in result.stdout
    accuracy = float(result.stdout.split("lemma accuracy (all tokens): ")[1].split("%")[0])
    assert 85 < accuracy <= 100


def test_spacy_backend_gives_governance_lemmas():
    lines = run_cli("lemmatize", stdin=TEXT).stdout.splitlines()
    assert lines[:3] == [
        "Nämnderna\tnämnd\tNOUN",
        "beslöt\tbesluta\tVERB",
        "bl.a.\tbland_annat\tADV",
    ]
    assert "styrdokumenten\tstyrdokument\tNOUN" in lines
    tagged = run_cli("lemmatize", "--pretokenized", stdin=TOKENS).stdout.splitlines()
    assert tagged == [
        "Kommunerna\tkommun\tNOUN", "styrdes\tstyra\tVERB", "",
        "av\tav\tADP", "regleringsbreven\tregleringsbrev\tNOUN", ".\t.\tPUNCT", "",
    ]  # fmt: skip


@pytest.mark.slow
def test_shipped_stanza_model_reports_its_accuracy():
    card = json.loads((UD.parents[1] / "models" / "stanza" / "v1" / "card.json").read_text())
    scores = card["evaluation"]["sv_talbanken-ud-test.conllu"]
    assert scores["tokens"] == 20377
    assert 0.85 < scores["lemma_accuracy"] <= 1 and 0.8 < scores["upos_accuracy"] <= 1
    backend = StanzaBackend(Settings().stanza_dir)
    analysed = backend.analyse_tokens([["Nämnderna", "beslöt", "."], ["Tilliten", "ökade", "."]])
    assert [[token for token, _, _ in sentence] for sentence in analysed] == [
        ["Nämnderna", "beslöt", "."],
        ["Tilliten", "ökade", "."],
    ]
    assert backend.analyse_tokens([]) == []


def test_a_missing_stanza_model_is_a_clear_error(tmp_path):
    result = run_cli(
        "lemmatize", "--backend", "stanza", "--stanza-dir", str(tmp_path), stdin="Hej."
    )
    assert result.returncode == 2
    assert "[E204]" in result.stderr and "sediment build-stanza" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_treebank_is_a_clear_error(tmp_path):
    result = run_cli("evaluate-lemmas", str(tmp_path / "none.conllu"))
    assert result.returncode == 2 and "[E210]" in result.stderr


def test_vertical_format_round_trip():
    sentences = list(read_vertical(["a\n", "b\n", "\n", "\n", "c\n"]))
    assert sentences == [["a", "b"], ["c"]]
    backend = SpacyBackend()
    analysed = backend.analyse_tokens(sentences)
    assert [len(s) for s in analysed] == [2, 1]
    assert "".join(write_vertical([[("a", "a", "X")]])) == "a\ta\tX\n\n"


def test_a_long_document_is_analysed_in_pieces_as_the_corpus_pipeline_splits_it():
    text = (SHARED / "corpora" / "riksdagen" / "1998-03-05_prop_gl0356.txt").read_text()
    assert len(text) > 150_000  # more than one 50,000-character piece
    analysed = SpacyBackend().analyse_text(text)
    assert [token for sentence in analysed for token, _, _ in sentence] == tokenize(text)
    assert "•" in text
    paragraphs = re.split(r"\n\s*\n", text)
    sentences = ["".join(p[start:end].split()) for p in paragraphs for start, end in split_spans(p)]
    analysed_text = ["".join(token for token, _, _ in sentence) for sentence in analysed]
    bullets = "•▪●■◦"  # a bullet joins the sentence it introduces; the segmenter drops it
    assert [text.lstrip(bullets) for text in analysed_text] == [
        text.lstrip(bullets) for text in sentences
    ]
