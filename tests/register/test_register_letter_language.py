"""The language a person chose on the pensioner's pages is the language of their next
letters (issue 13: "remembered for letters"); otherwise the register's default."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from register_testkit import nid
from sqlalchemy import select

from leveattest.core.i18n import translate
from register import letter_texts
from register.db.models import Person
from register.identity import norwegian_id
from register.persons import get_or_create_person
from register.requests import create_request, open_invitation
from register.retention import record_objection
from register.scheduled import DirectoryLetterBox, send_reminders


def _letters(state, count: int) -> list[str]:
    references = []
    with state.unit_of_work() as session:
        for index in range(count):
            person = get_or_create_person(
                session, state.clock, norwegian_id(nid(index), accept_synthetic=True)
            )
            create_request(session, state.clock, state.settings, person, schedule="yearly")
            invitation = open_invitation(session, person.id, state.clock.today())
            assert invitation is not None
            references.append(invitation.reference)
    return references


def _text(pdf: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def test_reminders_are_written_in_the_language_the_person_chose(
    state, clock, register_client, tmp_path: Path
):
    chose, did_not = _letters(state, 2)
    assert register_client.remember_letter_language(chose, "se")
    assert not register_client.remember_letter_language(chose, "fr")  # no letters in French
    assert not register_client.remember_letter_language("A" * 24, "de")
    clock.advance(timedelta(days=state.settings.reminder_interval_days))
    with state.unit_of_work() as session:
        posted = send_reminders(session, clock, state.settings, DirectoryLetterBox(tmp_path))
    assert posted == 2
    sami = translate(letter_texts.REMINDER_TITLE, "se").format(number=1)
    bokmal = translate(letter_texts.REMINDER_TITLE, "nb").format(number=1)
    assert sami != bokmal
    assert sami in _text(tmp_path / f"{chose}-reminder-1.pdf")
    assert bokmal in _text(tmp_path / f"{did_not}-reminder-1.pdf")  # the default, nb


def test_an_objection_forgets_the_language(state, clock, register_client):
    (reference,) = _letters(state, 1)
    register_client.remember_letter_language(reference, "de")
    with state.unit_of_work() as session:
        assert session.scalars(select(Person.letter_language)).one() == "de"
        record_objection(session, clock, norwegian_id(nid(0), accept_synthetic=True))
    with state.unit_of_work() as session:
        assert session.scalars(select(Person.letter_language)).one() is None
