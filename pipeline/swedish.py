"""Swedish language data shared by the segmenter and the tokenizer."""

from __future__ import annotations

# Abbreviations that end in a period and do not end a sentence, lower-cased.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    bl.a. t.ex. m.m. m.fl. s.k. d.v.s. dvs. o.s.v. osv. resp. ca. cirka. jfr. kap. prop.
    bet. rskr. dir. nr. f.d. fr.o.m. t.o.m. t.v. p.g.a. pga. e.d. m.a.o. o.d. o.dyl. s.
    sid. st. jan. feb. febr. aug. sept. okt. nov. dec. kl. tel. m.m.fl. ang. avd. bil. dnr.
    el. etc. exkl. inkl. fig. tab. milj. mkr. mdkr. tkr. kr. förf. anm. enl. forts. ff.
    f. ung. uppl. vol. st.f. fil. dr. prof. doc. mom. punkt. p. a.a. i.o.m. o. u. resp.
    """.split()
)

# Letters that may start a sentence, beyond A-Z.
UPPER_START = "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜ"
