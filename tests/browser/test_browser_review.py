"""The ops console in a real headless Chromium, against the running service (issue 7).

One service for the module, started as ``leveattest demo`` starts it
(:class:`~leveattest.cli.demo_service.DemoService`: the ``serve`` app with uvicorn on a free
port of 127.0.0.1, an analysis worker process, SQLite and local files), and one browser.
Each test makes its own cases and its own staff, so that it passes alone and in any
order (``--reverse-order`` runs the file backwards): a case is a phone scenario walked
over HTTP as the demo walks it, for a pensioner no other test of the run has used, that
ends in review — ``printed_photo`` (liveness spoof) or ``impostor`` (face mismatch).
Audit-log assertions are limited to the test's own case or accounts. Staff accounts are
made with the console's own ``create_account``; TOTP codes come from ``pyotp``. Every
account signs in once (a time step is accepted only once per account), except in the
replay test. One browser context (cookie jar) per person.

Chromium is Debian's (``scripts/setup.sh --tests`` installs it); Playwright only drives
it. Without it the module skips, or fails when ``LEVEATTEST_REQUIRE_BROWSER=1`` (CI).
Screenshots go to ``var/test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pyotp
import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import Engine, select, update

from leveattest.cli.demo_service import DemoCompany, DemoService
from leveattest.core.clock import SystemClock
from leveattest.review.auth import create_account
from leveattest.review.models import StaffSession
from leveattest.review.settings import ReviewSettings
from leveattest.samples.generate import DEFAULT_REFERENCE, DEFAULT_SEED, generate_samples
from leveattest.sessions.db import make_engine, make_session_factory
from leveattest.sessions.models import SessionState, VerificationSession
from leveattest.storage.envelope import MasterKey
from mobile_stub import scenarios
from mobile_stub.client import MobileClient
from mobile_stub.qr import reference_from_letter

pytestmark = pytest.mark.slow  # ~2 min: samples, the service, six phones, a browser

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artifacts" / "browser"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
MAX_SCREENSHOT_BYTES = 400_000
XSS = "<script>window.__xss=1</script> selfie shows someone else"
# the scenarios that end in review, and the reason each shows in the queue
SEEDED = {"printed_photo": "liveness spoof", "impostor": "face mismatch"}
# pensioners with a Norwegian identity number (the register invites them): one per case,
# so that no case is a replay of another test's capture of the same person
PERSONS = ("p01", "p02", "p06", "p08", "p09", "p11", "p12")


def chromium_executable() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).is_file():
        message = "Debian's chromium is not installed (scripts/setup.sh --tests installs it)"
        if os.environ.get("LEVEATTEST_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


# -- the running service with two cases in review ----------------------------------------


@dataclass
class Case:
    scenario: str
    national_id: str
    reason_words: str
    reference: str  # the full case id (the session id)


@dataclass
class Staff:
    username: str
    role: str
    password: str
    totp: pyotp.TOTP
    account_id: str


@dataclass
class Console:
    service: DemoService
    company: DemoCompany
    engine: Engine
    samples: Path
    browser: Browser | None = None
    persons: list[str] = field(default_factory=lambda: list(PERSONS))
    contexts: dict[str, BrowserContext] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"{self.service.url}/ops"

    def new_case(self, scenario: str) -> Case:
        """A new case in review: ``scenario`` walked for a pensioner not used before."""
        assert self.persons, "every pensioner of PERSONS has a case: add one"
        folder = self.samples / "persons" / self.persons.pop(0)
        before = self.cases_in_review()
        national_id = off_the_event_loop(
            lambda: _walk_scenario(self.service, self.company, folder, scenario), timeout=300
        )
        new = self.cases_in_review() - before
        assert len(new) == 1, f"{scenario} made {len(new)} cases"
        return Case(scenario, national_id, SEEDED[scenario], new.pop())

    def cases_in_review(self) -> set[str]:
        with make_session_factory(self.engine)() as db:
            rows = db.scalars(
                select(VerificationSession.id).where(
                    VerificationSession.state == SessionState.NEEDS_REVIEW
                )
            )
            return set(rows)

    def add_staff(self, username: str, role: str) -> Staff:
        master = MasterKey.from_secret(self.service.settings.security.master_key.get_secret_value())
        with make_session_factory(self.engine)() as db, db.begin():
            created = create_account(
                db, master, ReviewSettings(), datetime.now(UTC), username=username, role=role
            )
        staff = Staff(
            username,
            role,
            created.password,
            pyotp.TOTP(created.totp_secret),
            created.account.id,
        )
        self.staff[username] = staff
        return staff

    def new_page(self) -> Page:
        assert self.browser is not None
        context = self.browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(15_000)
        self.contexts[f"anonymous-{len(self.contexts)}"] = context
        return context.new_page()

    def sign_in_page(self, page: Page, staff: Staff, *, code: str | None = None) -> Page:
        page.goto(f"{self.url}/login")
        page.get_by_test_id("sign-in-username").fill(staff.username)
        page.get_by_test_id("sign-in-password").fill(staff.password)
        page.get_by_test_id("sign-in-totp").fill(code or staff.totp.now())
        page.get_by_test_id("sign-in-submit").click()
        page.wait_for_load_state()
        return page

    def page_of(self, username: str, role: str = "reviewer") -> Page:
        """The signed-in page of ``username`` (account made and signed in on first use)."""
        if username not in self.contexts:
            staff = self.staff.get(username) or self.add_staff(username, role)
            assert self.browser is not None
            context = self.browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(15_000)
            self.contexts[username] = context
            page = self.sign_in_page(context.new_page(), staff)
            assert page.get_by_test_id("whoami").inner_text().startswith(username)
        return self.contexts[username].pages[0]

    def age_sessions(self, staff: Staff, minutes: int) -> None:
        """Move the last activity of ``staff``'s sessions ``minutes`` into the past."""
        with make_session_factory(self.engine)() as db, db.begin():
            db.execute(
                update(StaffSession)
                .where(StaffSession.account_id == staff.account_id)
                .values(last_seen_at=datetime.now(UTC) - timedelta(minutes=minutes))
            )

    def register_state(self, case: Case) -> str:
        """The person's state as the pension company reads it from the register (HTTP,
        signed answer)."""
        answer = off_the_event_loop(lambda: self.company.status(case.national_id), timeout=60)
        return str((answer.get("status") or {}).get("state"))


def off_the_event_loop(work: Callable[[], T], *, timeout: float) -> T:
    """``work()`` in a thread of its own, away from Playwright's event loop (the company
    client runs its own loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=timeout)


def _samples(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's sample set while its test PKI (CRLs valid a year) is current, else
    a set dated today."""
    today = SystemClock().today()
    if (today - DEFAULT_REFERENCE).days < 300:
        path: Path = request.getfixturevalue("generated_samples")
        return path
    out = tmp_path_factory.mktemp("browser-samples") / "generated"
    generate_samples(out, seed=DEFAULT_SEED, reference=today)
    return out


def _national_id(folder: Path) -> str:
    person = json.loads((scenarios.person_of(folder) / "person.json").read_text())
    return str(person["national_id"]["value"])


def _walk_scenario(service: DemoService, company: DemoCompany, folder: Path, name: str) -> str:
    """One scenario for the pensioner in ``folder`` as ``leveattest demo`` runs it: the
    company asks, the post room sends a letter, a phone scans it and walks the scenario
    over HTTP. The pensioner's national id."""
    national_id = _national_id(folder)
    person = scenarios.person_of(folder).name
    today = SystemClock().today()
    company.request_certificate(national_id, agreement=f"AGR-{person}", today=today)
    letter = service.letter_for(national_id, service.root / "letters" / f"{name}-{person}.png")
    phone = MobileClient.connect(service.url, poll_interval=0.2)
    try:
        result = scenarios.SCENARIOS[name](phone, folder, reference_from_letter(letter))
    finally:
        phone.close()
    assert result["actual"] == "needs_review", result
    return national_id


@pytest.fixture(scope="module")
def console(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Console]:
    executable = chromium_executable()
    samples = _samples(request, tmp_path_factory)
    pki = samples / "pki"
    root = tmp_path_factory.mktemp("browser-service") / "service"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEVEATTEST_REVIEW__COOKIE_SECURE", "false")  # http://127.0.0.1
        service = DemoService(root, [pki / "trust", pki / "crl", pki / "link"])
        with service.running():
            company = service.enrol_company()
            engine = make_engine(service.settings.database.url)
            console = Console(service, company, engine, samples)
            try:
                with sync_playwright() as playwright:
                    console.browser = playwright.chromium.launch(
                        executable_path=executable,
                        args=["--no-sandbox", "--disable-dev-shm-usage"],
                        headless=True,
                    )
                    try:
                        yield console
                    finally:
                        for context in console.contexts.values():
                            context.close()
                        console.browser.close()
            finally:
                engine.dispose()


@pytest.fixture
def liveness_case(console: Console) -> Case:
    """A new case of this test's own in review for a liveness spoof (a printed photo)."""
    return console.new_case("printed_photo")


@pytest.fixture
def face_case(console: Console) -> Case:
    """A new case of this test's own in review for a face mismatch (an impostor)."""
    return console.new_case("impostor")


# -- page helpers ------------------------------------------------------------------------


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG artefact; a large one (photos) is reduced to 256 colours, so that
    it can go into docs/screenshots as it is (under MAX_SCREENSHOT_BYTES)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if path.stat().st_size > MAX_SCREENSHOT_BYTES:
        with Image.open(path) as shot:
            reduced = shot.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
        reduced.save(path, optimize=True)
    assert 10_000 < path.stat().st_size < MAX_SCREENSHOT_BYTES, name
    return path


def status_of(page: Page, url: str) -> int:
    """Open ``url``; the HTTP status of the answer."""
    response = page.goto(url)
    assert response is not None
    return response.status


def error_code(page: Page) -> str:
    return page.get_by_test_id("error-code").inner_text().strip()


def queue_row(page: Page, case: Case) -> Locator:
    return page.locator(f'[data-testid=queue-row][data-reference="{case.reference}"]')


def open_queue(console: Console, page: Page) -> None:
    page.goto(f"{console.url}/queue")
    page.get_by_test_id("queue-table").wait_for()


def claim(console: Console, page: Page, case: Case) -> None:
    """Claim ``case`` from the queue; its case page opens."""
    open_queue(console, page)
    queue_row(page, case).get_by_test_id("claim-button").click()
    page.wait_for_url(f"**/ops/cases/{case.reference}")


def another_reference(reference: str) -> str:
    """A well-formed case reference that is not ``reference``."""
    return reference[:-1] + ("1" if reference[-1] == "0" else "0")


def post_form(page: Page, action: str, fields: dict[str, str]) -> None:
    """Submit a form the page does not offer (as a hand-made request would), with the
    session's own CSRF token unless ``fields`` says otherwise."""
    page.evaluate(
        """([action, fields]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            for (const [name, value] of Object.entries(fields)) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [action, fields],
    )
    page.wait_for_load_state()
    page.get_by_test_id("error-code").or_(page.get_by_test_id("decision-result")).wait_for()


def refused_post(console: Console, page: Page, path: str, **fields: str) -> str:
    """POST a hand-made form (with the session's CSRF token) from a queue page; the
    error code of the refusal."""
    open_queue(console, page)
    post_form(page, f"/ops/cases/{path}", {"csrf_token": csrf_of(page), **fields})
    return error_code(page)


def csrf_of(page: Page) -> str:
    """The session's CSRF token, from the sign-out form every signed-in page carries."""
    value = page.locator("header input[name=csrf_token]").first.get_attribute("value")
    assert value
    return value


LOADED_IMAGES = """async (figure) => {
    const img = figure.querySelector("img");
    if (img) {
        if (!img.complete) await new Promise((ok) => img.addEventListener("load", ok));
        return {src: new URL(img.currentSrc || img.src, document.baseURI).href,
                width: img.naturalWidth};
    }
    const image = figure.querySelector("image");
    if (!image) return {src: "", width: 0};
    const src = new URL(image.href.baseVal, document.baseURI).href;
    const probe = new Image();
    probe.src = src;
    try { await probe.decode(); } catch (e) { return {src: src, width: 0}; }
    return {src: src, width: probe.naturalWidth};
}"""


# -- the tests -----------------------------------------------------------------------------


def test_reviewer_signs_in_claims_approves_and_the_register_certifies(
    console: Console, liveness_case: Case
) -> None:
    case = liveness_case
    page = console.page_of("rev-anna")
    open_queue(console, page)
    assert int(page.get_by_test_id("queue-count").inner_text()) >= 1
    row = queue_row(page, case)
    assert row.count() == 1, f"{case.scenario} waits in the queue"
    assert case.reason_words in row.inner_text()
    screenshot(page, "ops-queue.png")
    page.get_by_test_id("filter-reason").select_option("liveness_spoof")
    page.get_by_test_id("filter-apply").click()
    page.wait_for_url("**/ops/queue?reason=liveness_spoof*")
    assert queue_row(page, case).count() == 1
    shown = page.get_by_test_id("queue-row").all_inner_texts()
    assert all(case.reason_words in text for text in shown), shown

    queue_row(page, case).get_by_test_id("claim-button").click()
    page.wait_for_url(f"**/ops/cases/{case.reference}")
    assert case.reference.startswith(page.get_by_test_id("case-reference").inner_text())
    assert "liveness spoof" in page.get_by_test_id("case-reason").all_inner_texts()

    for kind in ("chip", "page", "selfie"):
        loaded = page.get_by_test_id(f"case-image-{kind}").evaluate(LOADED_IMAGES)
        assert loaded["width"] > 0, f"{kind} image not loaded: {loaded}"
        assert f"/ops/cases/{case.reference}/images/" in loaded["src"]
    frames = page.get_by_test_id("liveness-strip").get_by_test_id("liveness-frame")
    assert frames.count() > 0
    assert frames.first.evaluate(LOADED_IMAGES)["width"] > 0
    assert page.get_by_test_id("frame-colour").count() == frames.count()
    checks = page.get_by_test_id("checks-table").get_by_test_id("check-row")
    assert checks.count() >= 5
    assert page.locator('[data-testid=check-row][data-check="liveness"]').count() == 1
    assert page.get_by_test_id("score-bar").count() >= 1
    assert page.get_by_test_id("mrz-row").count() > 0
    assert "NOR" in page.get_by_test_id("document-facts").inner_text()
    screenshot(page, "ops-case.png")

    page.get_by_test_id("approve-button").click()
    result = page.get_by_test_id("decision-result")
    result.wait_for()
    assert result.get_attribute("data-outcome") == "approved"
    assert page.get_by_test_id("certificate-id").inner_text().strip().isdigit()
    assert console.register_state(case) == "certified"

    open_queue(console, page)
    assert queue_row(page, case).count() == 0  # decided: gone from the queue


def contest_a_claimed_case(console: Console, owner: Page, intruder: Page, case: Case) -> str:
    """``owner`` claims ``case``; ``intruder``, a reviewer too, can neither open it nor
    its images, nor claim or decide it. The chip portrait's URL on the owner's page."""
    claim(console, owner, case)
    chip_url = str(owner.get_by_test_id("case-image-chip").evaluate(LOADED_IMAGES)["src"])
    assert "/images/CHIP_PORTRAIT?" in chip_url

    open_queue(console, intruder)
    row = queue_row(intruder, case)
    assert "claimed by another reviewer" in row.get_by_test_id("queue-state").inner_text()
    assert row.get_by_test_id("claim-button").count() == 0
    assert status_of(intruder, f"{console.url}/cases/{case.reference}") == 403
    assert error_code(intruder) == "review_not_claimed"
    assert intruder.get_by_test_id("case-image-chip").count() == 0
    assert status_of(intruder, chip_url) == 403  # the URL copied from the owner's page
    assert error_code(intruder) == "review_image_url_invalid"
    assert refused_post(console, intruder, f"{case.reference}/claim") == "review_claim_taken"
    assert refused_post(console, intruder, f"{case.reference}/approve") == "review_not_claimed"
    return chip_url


def test_a_second_reviewer_cannot_open_anothers_case_or_its_images(
    console: Console, face_case: Case
) -> None:
    case = face_case
    bea = console.page_of("rev-bea")
    bert = console.page_of("rev-bert")
    chip_url = contest_a_claimed_case(console, bea, bert, case)
    image = bea.request.get(chip_url)  # the browser context's cookies
    assert image.status == 200
    assert image.headers["content-type"].startswith("image/")
    assert image.headers["cache-control"] == "no-store"
    # the signature covers the image name and the case: edited URLs are refused
    for edited in (
        chip_url.replace("CHIP_PORTRAIT", "SELFIE"),
        chip_url.replace(case.reference, another_reference(case.reference)),
    ):
        assert status_of(bea, edited) == 403
        assert error_code(bea) == "review_image_url_invalid"

    # the claimer still holds it: the case page and its images keep working for her
    assert status_of(bea, f"{console.url}/cases/{case.reference}") == 200
    assert bea.get_by_test_id("case-image-chip").evaluate(LOADED_IMAGES)["width"] > 0


def test_an_auditor_reads_the_audit_log_but_cannot_claim_or_decide(
    console: Console, liveness_case: Case
) -> None:
    case = liveness_case
    page = console.page_of("aud-carl", "auditor")
    open_queue(console, page)
    assert queue_row(page, case).count() == 1
    assert page.get_by_test_id("claim-button").count() == 0
    assert status_of(page, f"{console.url}/cases/{case.reference}") == 403
    assert error_code(page) == "review_forbidden"
    for path, fields in [
        (f"{case.reference}/claim", {}),
        (f"{case.reference}/approve", {}),
        (f"{case.reference}/retry", {"advice": "again"}),
        (f"{case.reference}/reject", {"reason": "no"}),
    ]:
        assert refused_post(console, page, path, **fields) == "review_forbidden", path
    assert console.register_state(case) != "certified"

    # what the auditor then reads: a claim contested by a second reviewer, an approval
    cleo = console.page_of("rev-cleo")
    contest_a_claimed_case(console, cleo, console.page_of("rev-cato"), case)
    cleo.goto(f"{console.url}/cases/{case.reference}")
    cleo.get_by_test_id("approve-button").click()
    assert cleo.get_by_test_id("decision-result").get_attribute("data-outcome") == "approved"

    open_queue(console, page)
    page.get_by_test_id("nav-audit").click()
    page.get_by_test_id("audit-table").wait_for()
    page.get_by_test_id("audit-filter-subject").fill(case.reference)
    page.get_by_role("button", name="Filter").click()
    page.get_by_test_id("audit-table").wait_for()
    rows = page.get_by_test_id("audit-row")
    seen = {(r.get_attribute("data-action"), r.get_attribute("data-outcome")) for r in rows.all()}
    for expected in [
        ("ops:case:claim", "ok"),
        ("ops:case:view", "ok"),
        ("ops:image:fetch", "ok"),
        ("ops:case:approve", "ok"),
        ("ops:case:view", "refused"),
        ("ops:image:fetch", "refused"),
        ("ops:case:claim", "refused"),
    ]:
        assert expected in seen, f"{expected} not in the audit log"
    refused_view = page.locator(
        '[data-testid=audit-row][data-action="ops:case:view"][data-outcome="refused"]'
    )
    assert any("review_not_claimed" in text for text in refused_view.all_inner_texts())
    assert case.reference[:12] in refused_view.first.inner_text()

    page.get_by_test_id("audit-filter-action").fill("ops:case:approve")
    page.get_by_role("button", name="Filter").click()
    page.get_by_test_id("audit-table").wait_for()
    filtered = page.get_by_test_id("audit-row")
    outcomes = sorted(str(row.get_attribute("data-outcome")) for row in filtered.all())
    # cleo's approval; the auditor's and cato's refused attempts
    assert outcomes == ["ok", "refused", "refused"]
    done = page.locator('[data-testid=audit-row][data-outcome="ok"]')
    assert case.reference[:12] in done.inner_text()

    page.goto(
        f"{console.url}/audit?action=ops:auth:sign_in&subject={console.staff['rev-cleo'].account_id}"
    )
    assert page.locator('[data-testid=audit-row][data-outcome="ok"]').count() == 1


def test_abuse_wrong_and_replayed_totp_missing_csrf_lockout_expiry(
    console: Console, face_case: Case
) -> None:
    dora = console.add_staff("rev-dora", "reviewer")
    page = console.new_page()

    console.sign_in_page(page, dora, code=dora.totp.at(time.time() + 10 * 30))  # wrong code
    assert error_code(page) == "review_sign_in_failed"
    assert page.get_by_test_id("whoami").count() == 0

    code = dora.totp.now()
    console.sign_in_page(page, dora, code=code)
    assert page.get_by_test_id("whoami").inner_text().startswith("rev-dora")
    page.get_by_test_id("sign-out").click()
    page.get_by_test_id("sign-in-form").wait_for()
    console.sign_in_page(page, dora, code=code)  # the same code again: a replay
    assert error_code(page) == "review_sign_in_failed"
    page.goto(f"{console.url}/queue")
    page.get_by_test_id("sign-in-form").wait_for()  # not signed in

    # the sign-in form without its CSRF token
    page.goto(f"{console.url}/login")
    page.get_by_test_id("sign-in-username").fill(dora.username)
    page.get_by_test_id("sign-in-password").fill(dora.password)
    page.get_by_test_id("sign-in-totp").fill("123456")
    page.evaluate("document.querySelector('[data-testid=sign-in-form] [name=csrf_token]').remove()")
    page.get_by_test_id("sign-in-submit").click()
    assert error_code(page) == "review_csrf_invalid"

    # lock-out: five wrong codes after the right password, then even the right code is
    # refused, with the answer of any failed sign-in (it does not tell that it is locked)
    erik = console.add_staff("rev-erik", "reviewer")
    locker = console.new_page()
    for _ in range(ReviewSettings().max_failed_sign_ins):
        console.sign_in_page(locker, erik, code=erik.totp.at(time.time() - 10 * 30))
        assert error_code(locker) == "review_sign_in_failed"
    console.sign_in_page(locker, erik)
    assert error_code(locker) == "review_sign_in_failed"

    # a decision form without its CSRF token: refused, the case unchanged
    dan = console.page_of("rev-dan")
    case = face_case
    claim(console, dan, case)
    dan.get_by_test_id("reject-reason").fill("no token")
    dan.evaluate("document.querySelector('[data-testid=reject-form] [name=csrf_token]').remove()")
    dan.get_by_test_id("reject-button").click()
    assert error_code(dan) == "review_csrf_invalid"
    assert status_of(dan, f"{console.url}/cases/{case.reference}") == 200
    assert dan.get_by_test_id("proposal").count() == 0  # nothing was proposed

    # an idle session expires: a form of the stale page is refused, then a sign-in is asked
    gus = console.add_staff("rev-gus", "reviewer")
    idle = console.sign_in_page(console.new_page(), gus)
    idle.get_by_test_id("queue-table").wait_for()
    console.age_sessions(gus, ReviewSettings().session_idle_minutes + 1)
    idle.get_by_test_id("sign-out").click()
    assert error_code(idle) == "review_not_signed_in"
    idle.goto(f"{console.url}/queue")
    idle.get_by_test_id("sign-in-form").wait_for()

    auditor = console.page_of("aud-dag", "auditor")
    auditor.goto(f"{console.url}/audit?action=ops:auth:sign_out")  # of an unknown session
    assert "session_expired" in auditor.get_by_test_id("audit-table").inner_text()
    auditor.goto(f"{console.url}/audit?action=ops:auth:sign_in")
    reasons = auditor.get_by_test_id("audit-table").inner_text()
    for reason in ("totp_wrong", "totp_replayed", "account_locked", "review_csrf_invalid"):
        assert reason in reasons, f"{reason} not audited"
    auditor.goto(f"{console.url}/audit?action=ops:case:reject&subject={case.reference}")
    refused = auditor.locator('[data-testid=audit-row][data-outcome="refused"]')
    assert "review_csrf_invalid" in refused.first.inner_text()


def test_four_eyes_rejection_with_xss_shaped_reason_rendered_as_text(
    console: Console, face_case: Case
) -> None:
    case = face_case
    eva = console.page_of("rev-eva")
    claim(console, eva, case)
    eva.get_by_test_id("reject-reason").fill(XSS)
    eva.get_by_test_id("reject-button").click()
    result = eva.get_by_test_id("decision-result")
    assert result.get_attribute("data-outcome") == "rejection_proposed"
    open_queue(console, eva)
    row = queue_row(eva, case)
    assert row.count() == 1, "a proposed rejection stays in review"
    assert "rejection proposed" in row.get_by_test_id("queue-state").inner_text()

    emil = console.page_of("rev-emil")  # a reviewer, not senior: may not confirm
    open_queue(console, emil)
    queue_row(emil, case).get_by_test_id("claim-button").click()
    assert error_code(emil) == "review_four_eyes_required"

    senior = console.page_of("sen-fia", "senior_reviewer")
    open_queue(console, senior)
    queue_row(senior, case).get_by_test_id("claim-button").click()
    senior.wait_for_url(f"**/ops/cases/{case.reference}")
    assert senior.get_by_test_id("proposal-reason").inner_text() == XSS  # shown literally
    assert senior.evaluate("typeof window.__xss") == "undefined"
    assert senior.locator("main script").count() == 0
    senior.get_by_test_id("reject-reason").fill("Confirmed: " + XSS)
    senior.get_by_test_id("reject-button").click()
    result = senior.get_by_test_id("decision-result")
    assert result.get_attribute("data-outcome") == "rejected"
    assert senior.evaluate("typeof window.__xss") == "undefined"

    open_queue(console, senior)
    assert queue_row(senior, case).count() == 0
    assert console.register_state(case) != "certified"


def test_dashboard_shows_the_charts(console: Console, liveness_case: Case) -> None:
    page = console.page_of("sen-gro", "senior_reviewer")
    page.get_by_test_id("nav-dashboard").click()
    page.get_by_test_id("dashboard-summary").wait_for()
    for chart in ("throughput", "queue-age", "by-source", "by-reason", "by-country", "by-age-band"):
        assert page.get_by_test_id(f"chart-{chart}").count() == 1, chart
    assert page.get_by_test_id("chart-by-reason").locator("svg, rect").count() > 0
    screenshot(page, "ops-dashboard.png")
