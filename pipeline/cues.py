"""Cue words of the annotation guidelines, as features the classifier can weigh.

``ANNOTATION.md`` names the words that signal each steering logic and the
look-alikes that do not. Each cue is a regular expression over a sentence's
lower-cased lemmas joined by spaces (so "följer upp", "följde upp" and "följa
upp" are all "följa upp"); compounds match inside words ("tillitsbaserad",
"verksamhetsuppföljning"). :func:`cue_tokens` names the cues a sentence has, for
example ``"trust:tillit control:följa_upp"``, and each logic the sentence has a
cue of (``"trust:any control:any"``). The model learns how much each cue is
worth; the ``any`` tokens let a guideline cue that the annotated sentences
rarely or never show still count for its logic.

Whether a trust cue counts depends on its sentence: the adjudicated notes
(``corpora/annotations/v3/NOTES.md``) count "samverkan", "dialog" or local
discretion when public organisations are the parties and the sentence aims at
it, not when it only reports a fact or the partners are private. So each trust
cue is also paired with the contexts the sentence has, for example
``"trust:samverkan+public trust:samverkan+aim"``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

CUES_VERSION = "3"

_CUES: dict[str, dict[str, str]] = {
    "trust": {
        "tillit": r"tillit",
        "förtroende": r"(?<!s)förtroende(?!vald|man|upp)",
        "lita_på": r"\blita på\b",
        "misstro": r"misstro",
        "handlingsutrymme": r"handlingsutrymme|handlingsfrihet",
        "delegera": r"delegera|delegering",
        "mandat": r"mandat",
        "medbestämmande": r"medbestämmande|medskapande|medinflytande|delaktighet",
        "självständig": r"självständig|autonomi|professionalism|profession",
        "proffs": r"proffs",
        "dialog": r"dialog",
        "värdegrund": r"värdegrund",
        "helhetssyn": r"helhetssyn|helhetsperspektiv",
        "samverkan": r"samverka|samverkan|samarbete över",
        "medborgare": r"medborgar|brukar|invånarnas behov",
        "lärande": r"lärande|ständig förbättring|ständiga förbättringar",
        "tillitsreform": r"tillitsreform|tillitsdelegation",
        "frihet": r"frihet att|större frihet|friare",
    },
    "control": {
        "kontroll": r"kontroll|dubbelkoll",
        "mäta": r"\bmäta\b|mätning|mätbar|\bmått\b|nyckeltal|indikator",
        "målstyrning": r"målstyrning|mål- och resultatstyrning|resultatstyrning|målstyr",
        "följa_upp": r"uppföljning|\bfölja upp\b|uppfölj",
        "rapportering": r"rapportering|återrapport|redovisa|redovisning",
        "utvärdering": r"utvärdera|utvärdering|effektutvärdering",
        "granskning": r"granska|granskning|revision|revisor|riksrevision",
        "tillsyn": r"tillsyn|inspektion|inspektera",
        "ekonomistyrning": r"ekonomistyrning|budgetavvikelse|underskott|budgetdisciplin",
        "beställare": r"beställar|utförarmodell|upphandl",
        "sanktion": r"sanktion|vite\b|påföljd",
        "npm": r"new public management|\bnpm\b",
        "regelstyrning": r"regelstyrning|ansvarsutkrävande|ansvarsutkräv",
        "resultat": r"resultatkrav|resultatmål|prestationsmått|resultatindikator",
        "effektivitet": r"effektivitet|kostnadseffektiv",
    },
    "detail": {
        "detaljstyrning": r"detaljstyr|detaljreglera|detaljreglering|detaljnivå|detaljfråga",
        "i_detalj": r"i detalj\b|detaljerad",
        "hur_fråga": r"hur-fråga|hurfråga",
        "lägga_sig_i": r"\blägga (sig|oss|vi|mig|jag|dig|du|er|ni) (\w+ ){0,2}i\b"
        r"(?! (nivå|linje|framkant|säng))|\bpilla\b",
        "antal_mål": r"(?<!en )\bantal(et)? (mål|styrdokument)\b|många mål|färre mål|mängd mål",
        "styrdokument": r"styrdokument|styrsignal",
        "nivå": r"\bpå si[gn] nivå|rätt nivå",  # the lemmatiser makes "sin" "sig"
        "mikrostyrning": r"mikrostyr|överstyr|överreglera",
        "skutan": r"köra skuta|agera enhetschef|cykelställsfråg",
    },
    "not": {
        "förtroendevald": r"förtroendevald|förtroendeman|förtroendeuppdrag",
        "detaljplan": r"detaljplan",
        "egenkontroll": r"egenkontroll",
        "kontroll_över": r"kontroll över",
        "kvalitetskontroll": r"teknisk kontroll|hälsokontroll|identitetskontroll",
    },
}
_TRUST_CONTEXTS: dict[str, str] = {
    "aim": r"\b(stärka|främja|öka|förbättra|utveckla|underlätta|fördjupa|behov|behöva|saknas|"
    r"sakna|brist|krav|kräva|viktig|måste|bör|hinder|försvåra)\b",
    "public": r"myndighet|kommun|region|landsting|departement|\bstat|statlig|polis|skola|"
    r"lärosäte|universitet|högskola|förvaltning|regering|offentlig|sektor|huvudman|verk\b",
    "private": r"företag|näringsliv|civilsamhälle|ideell|internationell|privat|organisation|"
    r"förening|forskare|allmänhet|aktör",
    "negation": r"\b(inte|ej|ingen|minska|mindre|färre|undvika)\b",
}
_PATTERNS = [
    (f"{kind}:{name}", re.compile(pattern))
    for kind, cues in _CUES.items()
    for name, pattern in cues.items()
]
_CONTEXT_PATTERNS = [(name, re.compile(pattern)) for name, pattern in _TRUST_CONTEXTS.items()]


def cue_tokens(lemmas: Sequence[str]) -> str:
    """The cues in a sentence's lemmas, space-separated ("" when none).

    Trust cues are followed by their pairings with the sentence's contexts.
    """
    return cue_tokens_of([lemmas])[0]


def cue_tokens_of(sentences: Sequence[Sequence[str]]) -> list[str]:
    """:func:`cue_tokens` of many sentences, each pattern run once over all of them.

    The sentences are joined by line breaks, which no pattern matches across,
    and every match is assigned to the sentence it starts in.
    """
    texts = [" ".join(lemmas).lower() for lemmas in sentences]
    joined = "\n".join(texts)
    starts = list(accumulate((len(text) + 1 for text in texts), initial=0))
    found: list[list[str]] = [[] for _ in texts]
    for name, pattern in _PATTERNS:  # in list order, so each sentence's cues keep that order
        for index in sorted(
            {bisect_right(starts, m.start()) - 1 for m in pattern.finditer(joined)}
        ):
            found[index].append(name)
    tokens = []
    for text, cues in zip(texts, found, strict=True):
        logics = dict.fromkeys(cue.split(":")[0] for cue in cues if not cue.startswith("not:"))
        trust = [cue for cue in cues if cue.startswith("trust:")]
        if trust:
            contexts = [name for name, pattern in _CONTEXT_PATTERNS if pattern.search(text)]
            cues += [f"{cue}+{context}" for cue in trust for context in contexts]
        tokens.append(" ".join([*cues, *(f"{logic}:any" for logic in logics)]))
    return tokens
