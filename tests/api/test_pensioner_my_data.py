""" "My data" on the pensioner's pages (issue 13, item 4): the letter's reference and the
birth date open the access report — page, PDF and JSON — with who asked about the person
and when, and the register's disclosure proof; guessing is rate-limited and tells nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from api_helpers import BIRTH, Harness, SyncClient, invite, nid
from pypdf import PdfReader
from typer.testing import CliRunner

from leveattest.cli import _register_commands, app
from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import PensionerSettings, RateLimitSettings
from leveattest.pensioner.app import create_pensioner_app
from leveattest.pipeline import advice
from leveattest.sessions import repository
from register.client import verify_access_proof
from register.companies import register_company
from register.db.engine import make_session_factory as make_register_sessions
from register.disclosure import Disclosure, append_disclosures
from register.identity import norwegian_id
from register.invitation_view import RegisterRequesters
from register.persons import find_person

XSS = '<script>alert("x")</script> Pensjon & Co'


@pytest.fixture
def browsers(harness: Harness):
    sessions = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
    app = create_pensioner_app(
        harness.ctx,
        RegisterRequesters(sessions),
        PensionerSettings(cookie_secure=False),
        limiter=RateLimiter(
            RateLimitSettings(
                enabled=True,
                pensioner_lookups_per_address="30 per 10 minutes",
                pensioner_access_per_reference="3 per 1 hour",
            )
        ),
    )
    clients: list[SyncClient] = []

    def new() -> SyncClient:
        clients.append(SyncClient(app))
        return clients[-1]

    yield new
    for client in clients:
        client.close()


def _asked_about(harness: Harness, index: int, companies: list[str]) -> None:
    """Disclosures to ``companies`` about person ``index`` (and one about someone else)."""
    sessions = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
    secret = harness.register._settings.secret.get_secret_value()
    with sessions() as db, db.begin():
        for number, name in enumerate(companies):
            register_company(db, harness.clock, client_id=f"co-{number}", name=name)
        ref = norwegian_id(nid(index), accept_synthetic=True).ref
        other = norwegian_id(nid(index + 1), accept_synthetic=True).ref
        items = [
            Disclosure("co-0", "status", ref, "ab" * 32),
            Disclosure("co-1", "batch", other, "ab" * 32),
            Disclosure("co-1", "batch", ref, "ab" * 32),
            Disclosure("co-0", "changes", ref, "cd" * 32),
        ]
        append_disclosures(db, harness.clock, items, secret)
        assert find_person(db, norwegian_id(nid(index), accept_synthetic=True)) is not None


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _prove(browser: SyncClient, reference: str, day: int, month: int, year: int, lang="en"):
    return browser.post(
        f"/i/{reference}/mydata?lang={lang}",
        data={"day": str(day), "month": str(month), "year": str(year)},
    )


def test_the_birth_date_opens_the_report_with_who_asked_and_a_proof_that_verifies(
    harness: Harness, browsers
):
    reference = invite(harness.register, 0)
    _asked_about(harness, 0, [XSS, "Storebrand Pensjon"])
    browser = browsers()
    form = browser.get(f"/i/{reference}/mydata", headers={"accept-language": "nb"})
    assert form.status_code == 200
    assert "Fødselsdatoen din" in form.text
    proven = _prove(browser, reference, BIRTH.day, BIRTH.month, BIRTH.year)
    assert proven.status_code == 303
    assert proven.headers["location"] == f"/i/{reference}/mydata/report"
    cookie = proven.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert BIRTH.isoformat() not in cookie
    assert "1950" not in cookie

    page = browser.get(f"/i/{reference}/mydata/report")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Pensjon &amp; Co" in page.text
    text = _text(page.text)
    assert "Hvem som har spurt om deg, og når" in text
    assert page.text.count('data-testid="asked-row"') == 3  # not the other person's
    assert "Spurte i en liste med mange" in text
    assert 'data-ok="yes"' in page.text
    assert nid(0) not in page.text
    assert nid(0)[:6] + "*****" in page.text

    download = browser.get(f"/i/{reference}/mydata/report.json")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    report = json.loads(download.text)
    assert [(d["company"], d["action"]) for d in report["register"]["disclosures"]] == [
        (XSS, "status"),
        ("Storebrand Pensjon", "batch"),
        (XSS, "changes"),
    ]
    assert verify_access_proof(report["register"]).ok
    assert report["service"] == {"sessions": []}

    pdf = browser.get(f"/i/{reference}/mydata/report.pdf?lang=se")
    assert pdf.headers["content-type"] == "application/pdf"
    extracted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Storebrand Pensjon" in extracted
    assert XSS in extracted  # a PDF is text, not markup


def test_a_session_started_from_the_letter_is_in_the_service_part(harness: Harness, browsers):
    reference = invite(harness.register, 2)
    browser = browsers()
    started = browser.post(
        f"/i/{reference}/start?lang=nn", data={"consent": "yes", "email": "kari@example.no"}
    )
    assert started.status_code == 303
    _prove(browser, reference, BIRTH.day, BIRTH.month, BIRTH.year)
    report = json.loads(browser.get(f"/i/{reference}/mydata/report.json").text)
    (session,) = report["service"]["sessions"]
    assert session["consent_language"] == "nn"
    assert session["email_address_kept"] is True
    assert "kari@example.no" not in json.dumps(report)
    page = _text(browser.get(f"/i/{reference}/mydata/report?lang=en").text)
    assert "We keep the e-mail address you gave" in page


def test_a_wrong_date_an_unknown_and_a_closed_letter_answer_alike_and_are_limited(
    harness: Harness, browsers
):
    reference = invite(harness.register, 4)
    browser = browsers()
    wrong = _prove(browser, reference, 18, 5, 1950)
    unknown = _prove(browser, "A" * 24, BIRTH.day, BIRTH.month, BIRTH.year)
    nonsense = _prove(browser, "B" * 24, 31, 2, 1950)
    for answer in (wrong, unknown, nonsense):
        assert answer.status_code == 400
        assert "The birth date does not fit this letter" in _text(answer.text)
        assert "leveattest_access" not in answer.headers.get("set-cookie", "")
    assert _text(wrong.text).replace(reference, "REF") == _text(unknown.text).replace(
        "A" * 24, "REF"
    )
    # three tries per reference an hour: the fourth is refused even with the right date
    _prove(browser, reference, 19, 5, 1950)
    _prove(browser, reference, 20, 5, 1950)
    refused = _prove(browser, reference, BIRTH.day, BIRTH.month, BIRTH.year)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_the_report_needs_the_proof_in_this_browser(harness: Harness, browsers):
    reference = invite(harness.register, 6)
    first, second = browsers(), browsers()
    _prove(first, reference, BIRTH.day, BIRTH.month, BIRTH.year)
    assert first.get(f"/i/{reference}/mydata/report").status_code == 200
    for path in ("report", "report.pdf", "report.json"):
        answer = second.get(f"/i/{reference}/mydata/{path}")
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/i/{reference}/mydata"
    # a sealed cookie of one letter does not open another
    other = invite(harness.register, 8)
    sealed = first.client.cookies.get("leveattest_access")
    assert sealed
    second.client.cookies.set("leveattest_access", sealed, path=f"/i/{other}/mydata")
    assert second.get(f"/i/{other}/mydata/report").status_code == 303
    # and it expires
    harness.clock.advance(timedelta(minutes=16))
    assert first.get(f"/i/{reference}/mydata/report").status_code == 303


def test_the_status_page_shows_the_retry_advice_in_the_pensioners_language(
    harness: Harness, browsers
):
    reference = invite(harness.register, 10)
    browser = browsers()
    assert browser.post(f"/i/{reference}/start", data={"consent": "yes"}).status_code == 303
    info = harness.register.lookup_invitation(reference)
    assert info is not None
    with harness.ctx.unit_of_work() as db:
        row = repository.get_session(db, info.sessions[-1], for_update=True)
        row.state = "retry_requested"
        row.advice = [advice._LIVENESS_DEFAULT, "Ta bildet ved vinduet."]
    page = browser.get(f"/i/{reference}/status?lang=de")
    text = _text(page.text)
    assert "Das kurze Video war nicht verwendbar" in text
    assert "Ta bildet ved vinduet." in text  # a reviewer's own words, as written
    english = _text(browser.get(f"/i/{reference}/status?lang=en").text)
    assert "The short video could not be used" in english


def test_the_language_of_the_consent_page_is_remembered_for_the_next_letters(
    harness: Harness, browsers
):
    reference = invite(harness.register, 12)
    browser = browsers()
    browser.get(f"/i/{reference}?lang=pl")
    assert browser.post(f"/i/{reference}/start", data={"consent": "yes"}).status_code == 303
    sessions = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
    with sessions() as db:
        person = find_person(db, norwegian_id(nid(12), accept_synthetic=True))
        assert person is not None
        assert person.letter_language == "pl"


def test_the_json_download_verifies_with_the_cli(harness: Harness, browsers, tmp_path):
    reference = invite(harness.register, 14)
    _asked_about(harness, 14, ["Pensjonskassen A", "Pensjonskassen B"])
    browser = browsers()
    _prove(browser, reference, BIRTH.day, BIRTH.month, BIRTH.year)
    download = tmp_path / "my-data.json"
    download.write_text(browser.get(f"/i/{reference}/mydata/report.json").text)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(harness.register.keys.jwks()))
    _register_commands()
    result = CliRunner().invoke(
        app, ["register", "verify-proof", str(download), "--jwks", str(jwks)]
    )
    assert result.exit_code == 0, result.output
    assert "proof verified: 3 disclosures" in result.output
