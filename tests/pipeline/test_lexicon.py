from pipeline.lexicon import load_lexicon


def stems(word):
    return {(reading.stem, reading.inflected) for reading in load_lexicon().readings(word)}


def test_inflected_forms_are_analysed_to_their_stems():
    assert ("nämnd", True) in stems("nämnderna")
    assert ("styrdokument", True) in stems("styrdokumenten")
    assert ("styra", True) in stems("styrdes")
    assert ("kommun", True) in stems("Kommunen")


def test_base_forms_and_unknown_words():
    assert stems("spel") == {("spel", False)}
    assert stems("xqzvbnm") == set()
    assert load_lexicon().knows("förvaltning") and not load_lexicon().knows("xqzvbnm")


def test_flags_name_the_inflection_class():
    (reading,) = [r for r in load_lexicon().readings("nämnderna") if r.stem == "nämnd"]
    assert "D" in reading.flags  # the definite-singular class -en, as in "nämnden"
