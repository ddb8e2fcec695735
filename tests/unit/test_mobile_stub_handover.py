"""The hand-over link from the pensioner's page to the phone app: only a well-formed
``leveattest://continue?session=…#token=…`` yields a session; anything else yields none."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mobile_stub.handover import Handover, parse_handover

SESSION = "0123456789abcdef0123456789abcdef"
TOKEN = "Zx9_-abcdefghijklmnopqrstuv"


def test_the_page_link_gives_the_session_and_its_token():
    link = f"leveattest://continue?session={SESSION}#token={TOKEN}"
    assert parse_handover(link) == Handover(SESSION, TOKEN)


@pytest.mark.parametrize(
    "link",
    [
        f"https://leveattest.example/i/{SESSION}",  # the letter's URL
        f"leveattest://continue?session={SESSION}",  # no token
        f"leveattest://continue?reference={SESSION}",  # the page without a session
        f"leveattest://other?session={SESSION}#token={TOKEN}",
        f"evil://continue?session={SESSION}#token={TOKEN}",
        f"leveattest://continue?session={SESSION}%3Cx%3E#token={TOKEN}",
        f"leveattest://continue?session={SESSION}#token=short",
    ],
)
def test_anything_else_gives_no_session(link: str):
    assert parse_handover(link) is None


@given(st.text(max_size=300))
def test_any_text_gives_a_well_formed_handover_or_none(text: str):
    found = parse_handover(text)
    if found is not None:
        assert found.session_id.isalnum()
        assert 16 <= len(found.access_token) <= 200
