import spacy

from pipeline.annotate import tokenize
from pipeline.spacy_components import COMPONENT_VERSION, swedish_pipeline
from tests.conftest import SAMPLE


def test_components_give_spacy_users_lemmas_pos_and_sentences():
    nlp = spacy.blank("sv")
    nlp.add_pipe("sediment_sentencizer")
    nlp.add_pipe("sediment_lemmatizer")
    doc = nlp(
        "Nämnderna beslöt bl.a. att styrdokumenten ska följas upp. Tilliten ökade t.ex. i år."
    )
    sentences = [sentence.text for sentence in doc.sents]
    assert sentences == [
        "Nämnderna beslöt bl.a. att styrdokumenten ska följas upp.",
        "Tilliten ökade t.ex. i år.",
    ]
    by_text = {token.text: (token.lemma_, token.pos_) for token in doc}
    assert by_text["Nämnderna"] == ("nämnd", "NOUN")
    assert by_text["beslöt"] == ("besluta", "VERB")
    assert by_text["styrdokumenten"] == ("styrdokument", "NOUN")
    assert by_text["."] == (".", "PUNCT")


def test_blank_lines_and_bullets_start_sentences_and_the_component_is_versioned():
    nlp = swedish_pipeline()
    doc = nlp("Styrning och ledning\n\nKommunen har en styrmodell.")
    assert [s.text.strip() for s in doc.sents] == [
        "Styrning och ledning",
        "Kommunen har en styrmodell.",
    ]
    doc = nlp("Målen:\n• Tilliten ska öka. • Kontrollen ska minska.")
    assert [s.text.strip() for s in doc.sents] == [
        "Målen:",
        "• Tilliten ska öka.",
        "• Kontrollen ska minska.",
    ]
    version = nlp.get_pipe("sediment_lemmatizer").version
    assert version.startswith(f"{COMPONENT_VERSION}+sv-ud-")


def test_sediment_tokenizer_splits_as_the_corpus_pipeline_and_keeps_the_text():
    text = min((SAMPLE / "regeringen").iterdir()).read_text(encoding="utf-8")
    nlp = swedish_pipeline()
    doc = nlp(text)
    assert doc.text == text
    assert [t.text for t in doc if not t.is_space] == tokenize(text)
    assert all(t.pos_ == "SPACE" and t.lemma_ == t.text for t in doc if t.is_space)
    with_sentencizer = spacy.blank("sv")
    with_sentencizer.tokenizer = nlp.tokenizer
    with_sentencizer.add_pipe("sediment_sentencizer")
    assert [s.text for s in doc.sents] == [s.text for s in with_sentencizer(text).sents]


def test_a_saved_pipeline_loads_with_its_tokenizer(tmp_path):
    nlp = swedish_pipeline()
    nlp.to_disk(tmp_path / "sv_sediment")
    loaded = spacy.load(tmp_path / "sv_sediment")
    doc = loaded("Enligt SOU 2019:43 ska bl.a. nämnderna styras. Tilliten ökade.")
    assert [t.text for t in doc][:5] == ["Enligt", "SOU", "2019:43", "ska", "bl.a."]
    assert [t.lemma_ for t in doc][5:7] == ["nämnd", "styra"]
    assert len(list(doc.sents)) == 2
