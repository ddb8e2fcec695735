"""Request ids and logged request targets: parsers of what clients send (Hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from leveattest.core.logging import fingerprint_path
from leveattest.core.request_id import accept_request_id

SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")


@given(st.one_of(st.none(), st.text(max_size=200), st.binary(max_size=200)))
def test_any_incoming_request_id_gives_a_sane_one_and_only_a_sane_one_is_kept(incoming):
    accepted = accept_request_id(incoming)
    assert SANE.fullmatch(accepted)
    text = incoming.decode("latin-1") if isinstance(incoming, bytes) else incoming
    if text is not None and SANE.fullmatch(text):
        assert accepted == text
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", accepted)


@given(
    st.lists(st.text(alphabet=st.characters(exclude_characters="/?"), max_size=40), max_size=6),
    st.text(max_size=60),
)
def test_no_long_path_segment_and_no_query_reaches_the_log_raw(segments, query):
    target = "/" + "/".join(segments) + (f"?{query}" if query else "")
    logged = fingerprint_path(target)
    path, _, logged_query = logged.partition("?")
    for segment in path.split("/"):
        assert len(segment) < 16 or segment.startswith("fp:")
    if query:
        assert logged_query.startswith("fp:")
        assert len(logged_query) == 15


def test_short_words_of_a_route_are_kept():
    assert fingerprint_path("/register/v1/status/batch") == "/register/v1/status/batch"


def test_a_lone_surrogate_in_a_path_is_fingerprinted_not_an_error():
    logged = fingerprint_path("/v1/sessions/abc\ud800defghijklmnopq")
    assert logged.startswith("/v1/sessions/fp:")
