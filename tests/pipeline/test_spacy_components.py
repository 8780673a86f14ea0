import spacy

from pipeline.spacy_components import COMPONENT_VERSION, swedish_pipeline


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


def test_blank_lines_end_sentences_and_the_component_is_versioned():
    nlp = swedish_pipeline()
    doc = nlp("Styrning och ledning\n\nKommunen har en styrmodell.")
    assert [s.text.strip() for s in doc.sents] == [
        "Styrning och ledning",
        "Kommunen har en styrmodell.",
    ]
    version = nlp.get_pipe("sediment_lemmatizer").version
    assert version.startswith(f"{COMPONENT_VERSION}+sv-ud-")
