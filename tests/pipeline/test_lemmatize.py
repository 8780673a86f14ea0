from pipeline.lemmatize import SpacyBackend, read_vertical, write_vertical
from tests.conftest import UD, run_cli


def test_lemmatize_raw_text_writes_one_token_per_line_and_blank_lines_between_sentences():
    out = run_cli("lemmatize", stdin="Nämnderna beslöt bl.a. att följa upp. Det gick bra.\n").stdout
    sentences = out.split("\n\n")
    assert sentences[0].splitlines()[:3] == [
        "Nämnderna\tnämnd\tNOUN",
        "beslöt\tbesluta\tVERB",
        "bl.a.\tbland_annat\tADV",
    ]
    assert sentences[1].splitlines()[0] == "Det\tden\tPRON"


def test_pretokenized_input_gives_exactly_one_line_per_token():
    tokens = "Kommunerna\nstyrdes\n\nav\nregleringsbreven\n.\n"
    lines = run_cli("lemmatize", "--pretokenized", stdin=tokens).stdout.splitlines()
    assert [line.split("\t")[0] for line in lines if line] == [
        "Kommunerna", "styrdes", "av", "regleringsbreven", ".",
    ]  # fmt: skip
    assert lines == [
        "Kommunerna\tkommun\tNOUN", "styrdes\tstyra\tVERB", "",
        "av\tav\tADP", "regleringsbreven\tregleringsbrev\tNOUN", ".\t.\tPUNCT", "",
    ]  # fmt: skip


def test_evaluate_lemmas_prints_the_accuracies(tmp_path):
    out = run_cli("evaluate-lemmas", str(UD / "sv_pud" / "sv_pud-ud-test.conllu")).stdout
    assert "tokens: 19076" in out
    accuracy = float(out.split("lemma accuracy (all tokens): ")[1].split("%")[0])
    assert 90 < accuracy <= 100


def test_vertical_format_round_trip():
    sentences = list(read_vertical(["a\n", "b\n", "\n", "\n", "c\n"]))
    assert sentences == [["a", "b"], ["c"]]
    backend = SpacyBackend()
    analysed = backend.analyse_tokens(sentences)
    assert [len(s) for s in analysed] == [2, 1]
    assert "".join(write_vertical([[("a", "a", "X")]])) == "a\ta\tX\n\n"
