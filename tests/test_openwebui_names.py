"""`authdoctor.openwebui.names.near_miss` prefilters candidates for speed (a whole process
environment has thousands of names): the prefilter must never drop a real near miss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authdoctor.openwebui.names import AUTH_VARIABLES, _structural_match, near_miss

_words = st.sampled_from(sorted({w for n in AUTH_VARIABLES for w in n.split("_")} | {"X", "URL", "IDS"}))
_names = st.one_of(
    st.lists(_words, min_size=1, max_size=5).map("_".join),
    st.sampled_from(sorted(AUTH_VARIABLES)).flatmap(
        lambda n: st.integers(0, len(n)).map(lambda i: n[:i] + n[i + 1:])),  # a letter dropped
)


@settings(max_examples=300, deadline=None)
@given(_names)
def test_the_prefilter_keeps_every_structural_match(name: str) -> None:
    import difflib

    from authdoctor.openwebui.variables import KNOWN_VARIABLES

    brute = [c for c in AUTH_VARIABLES if _structural_match(name, c)]
    expected = (None if name in KNOWN_VARIABLES or not brute else
                max(sorted(brute), key=lambda c: difflib.SequenceMatcher(None, name, c).ratio()))
    assert near_miss(name) == expected


def test_a_dropped_word_is_still_found() -> None:
    assert near_miss("WEBUI_SECRET") == "WEBUI_SECRET_KEY"
