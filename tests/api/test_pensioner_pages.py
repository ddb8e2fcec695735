"""The pensioner's pages (issue 13): the invitation behind the letter's QR code, the
consent that starts a session, the steps, the status; languages, escaping, headers and
the rate-limited reference look-up that tells a guesser nothing."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from api_helpers import Harness, SyncClient, auth, facts, invite, nid
from sqlalchemy import text

from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import MailSettings, PensionerSettings, RateLimitSettings
from leveattest.jobs.scheduled import SCHEDULE, run_job
from leveattest.pensioner.app import create_pensioner_app
from leveattest.sessions import repository
from leveattest.sessions.mail import (
    forget_stale_addresses,
    send_outcome_mail,
    valid_address,
)
from leveattest.sessions.models import PensionerContact
from register.companies import register_company
from register.db.engine import make_session_factory as make_register_sessions
from register.identity import norwegian_id
from register.invitation_view import RegisterRequesters
from register.persons import get_or_create_person
from register.requests import create_request

XSS = '<script>alert("x")</script> & Co'


@pytest.fixture
def harness_pages(harness: Harness):
    """Browsers (cookie jars) of their own on one pensioner app."""
    sessions = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
    app = create_pensioner_app(
        harness.ctx,
        RegisterRequesters(sessions),
        PensionerSettings(cookie_secure=False),
        limiter=RateLimiter(
            RateLimitSettings(enabled=True, pensioner_lookups_per_address="8 per 10 minutes")
        ),
    )
    clients: list[SyncClient] = []

    def new_client() -> SyncClient:
        clients.append(SyncClient(app))
        return clients[-1]

    yield new_client
    for client in clients:
        client.close()


@pytest.fixture
def pages(harness_pages):
    return harness_pages()


def _company_request(harness: Harness, name: str, index: int = 0) -> str:
    sessions = make_register_sessions(harness.register.engine)  # type: ignore[attr-defined]
    with sessions() as db, db.begin():
        company = register_company(db, harness.clock, client_id=f"c-{index}-{len(name)}", name=name)
        person = get_or_create_person(
            db, harness.clock, norwegian_id(nid(index), accept_synthetic=True)
        )
        receipt = create_request(
            db, harness.clock, harness.register._settings, person, company_id=company.id
        )
    return receipt.invitation_reference


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_landing_page_is_served_in_the_browsers_language_with_strict_headers(pages):
    response = pages.get("/", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert "Meinen Brief öffnen" in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text


def test_the_invitation_names_the_requesting_companies_escaped_and_the_deadline(
    harness: Harness, pages
):
    reference = _company_request(harness, XSS)
    response = pages.get(f"/i/{reference}", headers={"accept-language": "nb"})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in response.text
    text = _text(response.text)
    assert "Steg 1 av 6" in text
    assert "Personvernerklæring" in text
    info = harness.register.lookup_invitation(reference)
    assert info is not None
    assert str(info.deadline.year) in text


def test_a_chosen_language_is_remembered_over_accept_language(harness: Harness, pages):
    reference = invite(harness.register)
    chosen = pages.get(f"/i/{reference}?lang=se", headers={"accept-language": "en"})
    assert '<html lang="se">' in chosen.text
    assert chosen.cookies.get("leveattest_lang") == "se"
    again = pages.get(f"/i/{reference}", headers={"accept-language": "en"})
    assert '<html lang="se">' in again.text
    assert "Persovdnasuodjalusjulggaštus" in again.text


def test_unknown_and_fulfilled_references_get_the_same_answer(harness: Harness, pages):
    unknown = pages.get("/i/ABCDEFGH1234", headers={"accept-language": "en"})
    reference = invite(harness.register, 1)
    harness.clock.advance(timedelta(days=400))  # past the deadline
    expired = pages.get(f"/i/{reference}", headers={"accept-language": "en"})
    assert unknown.status_code == expired.status_code == 404
    assert unknown.text.replace("ABCDEFGH1234", reference) == expired.text
    assert "We could not find this letter" in unknown.text


def test_reference_look_ups_are_rate_limited_per_client(pages):
    answers = [pages.get(f"/i/GUESS{n:07d}").status_code for n in range(10)]
    assert answers[:8] == [404] * 8
    assert answers[8:] == [429, 429]


def test_consent_starts_a_session_and_leads_through_the_steps_to_the_status(
    harness: Harness, pages
):
    reference = invite(harness.register, 2)
    refused = pages.post(f"/i/{reference}/start", data={}, headers={"accept-language": "en"})
    assert refused.status_code == 400
    assert "Please tick the box" in refused.text
    assert harness.register.lookup_invitation(reference).sessions == []  # type: ignore[union-attr]

    started = pages.post(
        f"/i/{reference}/start", data={"consent": "yes"}, headers={"accept-language": "nn"}
    )
    assert started.status_code == 303
    assert started.headers["location"] == f"/i/{reference}/prepare"
    cookie = started.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert f"Path=/i/{reference}" in cookie
    sessions = harness.register.lookup_invitation(reference).sessions  # type: ignore[union-attr]
    assert len(sessions) == 1
    with harness.ctx.unit_of_work() as db:
        row = repository.get_session(db, sessions[0])
        assert row.state == "collecting"
        assert row.consent_language == "nn"

    prepare = pages.get(f"/i/{reference}/prepare", headers={"accept-language": "nn"})
    assert "Steg 2 av 6" in _text(prepare.text)
    assert f'href="/i/{reference}/page"' in prepare.text
    app_step = pages.get(f"/i/{reference}/app", headers={"accept-language": "nn"})
    assert "Steg 5 av 6" in _text(app_step.text)
    assert f"leveattest://continue?session={sessions[0]}" in app_step.text
    qr = pages.get(f"/i/{reference}/app.svg")
    assert qr.headers["content-type"].startswith("image/svg+xml")
    status = pages.get(f"/i/{reference}/status", headers={"accept-language": "en"})
    assert 'data-state="collecting"' in status.text
    assert "We are checking what you sent" in status.text


def test_the_status_shows_the_outcome_in_the_chosen_language_after_approval(
    harness: Harness, pages
):
    harness.pipeline.document = facts(3)
    started = harness.ready(3)
    harness.client.post(
        f"/v1/sessions/{started['session_id']}/submit",
        headers={"Authorization": f"Bearer {started['access_token']}"},
    )
    harness.run_worker()
    info = [
        i
        for i in (harness.register.lookup_invitation(r) for r in _references(harness))
        if i is not None and started["session_id"] in i.sessions
    ]
    assert len(info) == 1
    status = pages.get(f"/i/{info[0].reference}/status?lang=pl")
    assert 'data-state="approved"' in status.text
    assert "Twoje zaświadczenie o życiu zostało potwierdzone" in status.text


def _references(harness: Harness) -> list[str]:
    with harness.register.engine.connect() as conn:  # type: ignore[attr-defined]
        return [str(r[0]) for r in conn.execute(text("SELECT reference FROM invitations"))]


# -- the outcome by e-mail -----------------------------------------------------------------


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            message_from_bytes(envelope.content, policy=email_policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _browser_session(pages, reference: str, **form: str) -> dict:
    started = pages.post(
        f"/i/{reference}/start", data={"consent": "yes", **form}, headers={"accept-language": "nn"}
    )
    assert started.status_code == 303, started.text
    session_id, _, token = started.cookies["leveattest_session"].partition(".")
    return {"session_id": session_id, "access_token": token}


def test_an_address_given_on_the_page_gets_the_outcome_by_smtp_and_is_then_deleted(
    harness: Harness, pages, smtp, capsys, monkeypatch
):
    inbox, port = smtp
    address = "kari.nordmann@example.org"
    harness.pipeline.document = facts(4)
    reference = invite(harness.register, 4)
    session = _browser_session(pages, reference, email=address)
    with harness.ctx.unit_of_work() as db:
        sealed = db.get(PensionerContact, session["session_id"])
        assert sealed is not None
        assert address.encode() not in sealed.email_sealed
    issued = harness.client.post(
        f"/v1/sessions/{session['session_id']}/challenges", headers=auth(session)
    ).json()
    session.update(aa_nonce=issued["aa_nonce"], liveness_challenge=issued["liveness_challenge"])
    harness.upload_all(session)
    harness.client.post(f"/v1/sessions/{session['session_id']}/submit", headers=auth(session))
    harness.run_worker()

    relay = MailSettings(smtp_host="127.0.0.1", smtp_port=port, starttls=False)
    harness.ctx.settings = harness.ctx.settings.model_copy(update={"mail": relay})
    [job] = [job for job in SCHEDULE if job.name == "outcome-mail"]
    # the worker's hourly job
    assert run_job(harness.ctx, None, job) == {"mails_sent": 1, "addresses_forgotten": 0}
    [mail] = inbox.messages
    assert mail["To"] == address
    assert mail["Subject"] == "Leveattesten din"
    body = mail.get_content()
    assert "Leveattesten din er stadfesta." in body
    assert f"https://leveattest.example/i/{reference}/status" in body
    with harness.ctx.unit_of_work() as db:
        assert db.get(PensionerContact, session["session_id"]) is None
    settings = MailSettings(smtp_host="127.0.0.1", smtp_port=port, starttls=False)
    assert send_outcome_mail(harness.ctx, settings) == 0  # sent once
    assert len(inbox.messages) == 1
    assert address not in capsys.readouterr().out


def test_no_address_is_needed_and_a_malformed_one_is_refused_before_a_session_starts(
    harness: Harness, pages
):
    reference = invite(harness.register, 5)
    refused = pages.post(
        f"/i/{reference}/start",
        data={"consent": "yes", "email": "<b>not an address"},
        headers={"accept-language": "en"},
    )
    assert refused.status_code == 400
    assert "does not look like an e-mail address" in refused.text
    assert "&lt;b&gt;not an address" in refused.text
    assert harness.register.lookup_invitation(reference).sessions == []  # type: ignore[union-attr]
    session = _browser_session(pages, reference)
    with harness.ctx.unit_of_work() as db:
        assert db.get(PensionerContact, session["session_id"]) is None


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("a@b.no", True),
        ("ola.nordmann+leveattest@example.com", True),
        ("no-at-sign.example.com", False),
        ("two@@example.com", False),
        ("space @example.com", False),
        ("x@localhost", False),
        ("Name <x@example.com>", False),
        ("a@b.no\r\nBcc: c@d.no", False),
        ("a" * 250 + "@b.no", False),
    ],
)
def test_only_a_plain_address_is_accepted(address: str, valid: bool):
    assert valid_address(address) is valid


def test_the_browser_that_consented_can_withdraw_and_gets_a_receipt(harness: Harness, pages):
    reference = invite(harness.register, 6)
    session = _browser_session(pages, reference)
    status = pages.get(f"/i/{reference}/status", headers={"accept-language": "de"})
    assert 'data-testid="withdraw-form"' in status.text
    withdrawn = pages.post(f"/i/{reference}/withdraw", headers={"accept-language": "de"})
    assert withdrawn.status_code == 200
    assert "Ihre Einwilligung ist widerrufen. Belegnummer:" in withdrawn.text
    with harness.ctx.unit_of_work() as db:
        row = repository.get_session(db, session["session_id"])
        assert row.state == "withdrawn"
    after = pages.get(f"/i/{reference}/status", headers={"accept-language": "de"})
    assert 'data-state="withdrawn"' in after.text
    assert 'data-testid="withdraw-form"' not in after.text


def test_withdrawal_needs_the_browser_that_consented(harness: Harness, pages, harness_pages):
    reference = invite(harness.register, 7)
    session = _browser_session(pages, reference)
    stranger = harness_pages()
    status = stranger.get(f"/i/{reference}/status")
    assert 'data-testid="withdraw-form"' not in status.text
    refused = stranger.post(f"/i/{reference}/withdraw")
    assert refused.status_code == 404
    with harness.ctx.unit_of_work() as db:
        assert repository.get_session(db, session["session_id"]).state == "collecting"


def test_addresses_of_withdrawn_or_old_sessions_are_forgotten(harness: Harness, pages):
    first = invite(harness.register, 8)
    withdrawn = _browser_session(pages, first, email="a@example.org")
    assert pages.post(f"/i/{first}/withdraw").status_code == 200
    kept = _browser_session(pages, invite(harness.register, 9), email="b@example.org")
    settings = MailSettings()
    assert forget_stale_addresses(harness.ctx, settings) == 1
    with harness.ctx.unit_of_work() as db:
        assert db.get(PensionerContact, withdrawn["session_id"]) is None
        assert db.get(PensionerContact, kept["session_id"]) is not None
    harness.clock.advance(timedelta(days=settings.keep_address_days + 1))
    assert forget_stale_addresses(harness.ctx, settings) == 1
    with harness.ctx.unit_of_work() as db:
        assert db.get(PensionerContact, kept["session_id"]) is None


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def _consented(harness: Harness, pages, index: int) -> tuple[str, str]:
    reference = invite(harness.register, index)
    started = pages.post(f"/i/{reference}/start", data={"consent": "yes"})
    assert started.status_code == 303
    session_id = harness.register.lookup_invitation(reference).sessions[-1]  # type: ignore[union-attr]
    return reference, session_id


def test_the_capture_pages_carry_the_script_and_what_it_needs_but_no_inline_script(
    harness: Harness, pages
):
    reference, session_id = _consented(harness, pages, 5)
    for path, step in (("page", 3), ("selfie", 4)):
        response = pages.get(f"/i/{reference}/{path}", headers={"accept-language": "en"})
        assert response.status_code == 200
        assert f"Step {step} of 6" in _text(response.text)
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", response.text, re.S)
        assert scripts == [""]  # one script, from a file: the CSP allows no inline one
        assert '<script src="/p/static/capture.js" defer></script>' in response.text
        assert f'data-session="{session_id}"' in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
    selfie = pages.get(f"/i/{reference}/selfie", headers={"accept-language": "en"}).text
    assert 'data-lead-in-ms="3000"' in selfie
    assert "<noscript>" in selfie
    assert "continue in the Leveattest app" in _text(selfie)
    assert 'data-problem="camera_denied"' in selfie
    script = pages.get("/p/static/capture.js")
    assert script.status_code == 200
    assert "requestVideoFrameCallback" in script.text


def test_the_capture_pages_need_the_browser_that_consented(harness: Harness, pages, harness_pages):
    reference, _ = _consented(harness, pages, 6)
    other = harness_pages()
    for path in ("page", "selfie"):
        response = other.get(f"/i/{reference}/{path}")
        assert response.status_code == 303
        assert response.headers["location"] == f"/i/{reference}/status"
    refused = other.post(f"/i/{reference}/page", files={"photo": ("p.jpg", JPEG, "image/jpeg")})
    assert refused.status_code == 303


def test_the_page_photo_form_works_without_script_with_the_apis_limits_and_codes(
    harness: Harness, pages
):
    reference, session_id = _consented(harness, pages, 7)
    wrong = pages.post(
        f"/i/{reference}/page",
        files={"photo": ("p.gif", b"GIF89a....", "image/gif")},
        headers={"accept-language": "en"},
    )
    assert wrong.status_code == 415
    assert "Please send a photo (JPEG or PNG)" in wrong.text
    cut = pages.post(
        f"/i/{reference}/page",
        files={"photo": ("p.jpg", JPEG[:-2], "image/jpeg")},
        headers={"accept-language": "nb"},
    )
    assert cut.status_code == 422
    assert 'data-testid="page-problem"' in cut.text
    empty = pages.post(f"/i/{reference}/page", data={"x": "1"}, headers={"accept-language": "en"})
    assert empty.status_code == 422
    assert "Please choose a photo first" in empty.text
    limit = harness.ctx.session_settings.max_image_bytes
    big = pages.post(
        f"/i/{reference}/page",
        files={"photo": ("p.jpg", b"\xff\xd8\xff" + b"\x00" * limit, "image/jpeg")},
        headers={"accept-language": "en"},
    )
    assert big.status_code == 413
    assert "The photo is too large" in big.text

    sent = pages.post(f"/i/{reference}/page", files={"photo": ("p.jpg", JPEG, "image/jpeg")})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/i/{reference}/selfie"
    with harness.ctx.unit_of_work() as db:
        uploads = repository.live_uploads(db, session_id)
        assert [(u.slot, u.category, u.size) for u in uploads] == [("PAGE", "page", len(JPEG))]
    # page, selfie and frames from the browser: the app is asked for the chip only
    app_page = pages.get(f"/i/{reference}/app", headers={"accept-language": "en"})
    assert "the app reads the chip" not in app_page.text
