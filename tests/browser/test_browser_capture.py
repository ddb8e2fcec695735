"""Capture in the browser with a fake camera (issue 13, items 2 and 7).

Debian's Chromium with a phone's viewport plays a video file as its camera
(``--use-fake-device-for-media-stream --use-fake-ui-for-media-stream
--use-file-for-fake-video-capture=F.y4m``). The video is what the phone's front camera
would see while the page runs the server's colour challenge: rendered by
``mobile_stub.capture`` for a genuine pensioner (a face lit by the screen's colours, turning
or blinking as asked) or for a printed photo held up to the camera.

The colour sequence is chosen by the server when the page asks for it (``POST
/v1/sessions/<id>/challenges?renew=liveness``, when the pensioner presses Start), so the
test lets that request through, reads the issued challenge from the answer, renders the
camera's video for it and puts it where Chromium's fake camera reads it, and only then
hands the answer to the page, which opens the camera after it. Chromium starts the file
at its first frame when the camera opens; the page starts the colours its lead-in after
the camera's start, and the video has that lead-in too. The liveness check is the
service's own, unchanged: the genuine capture must pass it honestly.

Journey (nb and en): the letter's QR URL, consent, the document photo (file picker), the
selfie video in the browser, the simulated app (``mobile_stub``) reads the chip from the
page's hand-over QR code, the status says approved — or, for the printed photo, that a
person is looking at it; then the consent is withdrawn. A camera that may not be used
and a browser without JavaScript get their fallbacks. Every page passes axe-core's WCAG
2.2 A/AA rules. Screenshots of each step go to ``$LEVEATTEST_TEST_ARTIFACTS/capture``
(default ``var/test-artifacts/capture``).
"""

from __future__ import annotations

import io
import json
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright
from pyzbar.pyzbar import decode
from sqlalchemy import select
from test_browser_pensioner import MIN_FONT_PX, MIN_TARGET_PX, PHONE, WCAG, axe_source
from test_browser_review import _samples, chromium_executable, off_the_event_loop

from leveattest.cli.demo_service import DemoCompany, DemoService
from leveattest.core.clock import SystemClock
from leveattest.pensioner.app import CAPTURE_LEAD_IN_MS
from leveattest.sessions.db import make_engine, make_session_factory
from leveattest.sessions.models import StoredCheck
from mobile_stub import scenarios
from mobile_stub.capture.video import camera_frames, write_y4m
from mobile_stub.client import MobileClient
from mobile_stub.handover import parse_handover
from mobile_stub.qr import reference_from_letter
from register.client import verify_access_proof

pytestmark = pytest.mark.slow  # a few minutes: samples, the service, a browser per journey

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = (
    Path(os.environ.get("LEVEATTEST_TEST_ARTIFACTS") or ROOT / "var" / "test-artifacts") / "capture"
)
CAMERA_FPS = 20
CAMERA_SIZE = (480, 640)
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@dataclass
class Service:
    service: DemoService
    company: DemoCompany
    playwright: Playwright
    executable: str
    axe: str
    samples: Path
    videos: Path

    def invite(self, person: str) -> tuple[Path, str]:
        """The sample pensioner's folder and the reference of the letter asking about them."""
        folder = self.samples / "persons" / person
        identity = json.loads((folder / "person.json").read_text())
        national_id = str(identity["national_id"]["value"])
        today = SystemClock().today()
        off_the_event_loop(
            lambda: self.company.request_certificate(
                national_id, agreement=f"AGR-{national_id}", today=today
            ),
            timeout=60,
        )
        letter = self.service.letter_for(national_id, self.videos / f"{person}.png")
        return folder, reference_from_letter(letter)

    def browser(self, *args: str) -> Browser:
        return self.playwright.chromium.launch(
            executable_path=self.executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *args],
            headless=True,
        )

    def camera_browser(self, video: Path) -> Browser:
        """A browser whose camera plays ``video`` (a still placeholder until replaced)."""
        if not video.exists():
            still = np.full((CAMERA_SIZE[1], CAMERA_SIZE[0], 3), 128, np.uint8)
            write_y4m(video, [still] * 2, CAMERA_FPS)
        return self.browser(*FAKE_CAMERA, f"--use-file-for-fake-video-capture={video}")


def new_page(browser: Browser, language: str, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE,
        locale=language,
        extra_http_headers={"Accept-Language": language},
        bypass_csp=True,  # to inject axe-core; the CSP itself is tested over HTTP
        has_touch=True,
        is_mobile=True,
        java_script_enabled=javascript,
        accept_downloads=True,
    )
    context.set_default_timeout(20_000)
    return context.new_page()


@pytest.fixture(scope="module")
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    executable = chromium_executable()
    axe = axe_source()
    samples = _samples(request, tmp_path_factory)
    pki = samples / "pki"
    root = tmp_path_factory.mktemp("capture-service") / "service"
    videos = tmp_path_factory.mktemp("capture-videos")
    with pytest.MonkeyPatch.context() as patch:
        # every page of every test comes from 127.0.0.1: the limits are tested over HTTP
        patch.setenv("LEVEATTEST_RATE_LIMITS__PENSIONER_LOOKUPS_PER_ADDRESS", "10000/minute")
        patch.setenv("LEVEATTEST_RATE_LIMITS__PENSIONER_ACCESS_PER_REFERENCE", "10000/minute")
        service = DemoService(root, [pki / "trust", pki / "crl", pki / "link"], workers=1)
        with service.running(), sync_playwright() as playwright:
            company = service.enrol_company()
            yield Service(service, company, playwright, executable, axe, samples, videos)


def step(site: Service, page: Page, name: str, *, axe: bool = True) -> None:
    """axe-core's WCAG 2.2 A/AA rules and the text size on this page; a screenshot."""
    if axe:
        page.evaluate(site.axe)
        result: dict[str, Any] = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
        )
        violations = [
            {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
        ]
        assert violations == [], f"{name}: {json.dumps(violations, indent=1)}"
        body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert body_px >= MIN_FONT_PX, (name, body_px)
        small = page.evaluate(
            """min => [...document.querySelectorAll('button, select, input, .button')]
                .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
                .filter(([_, r]) => r.width > 0 && (r.width < min || r.height < min))
                .map(([h, r]) => [h, r.width, r.height])""",
            MIN_TARGET_PX,
        )
        assert small == [], (name, small)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=axe)


def consent_and_page_photo(site: Service, page: Page, reference: str, folder: Path, tag: str):
    page.goto(f"{site.service.url}/i/{reference}")
    step(site, page, f"{tag}-1-invitation")
    page.get_by_test_id("consent-box").check()
    page.get_by_test_id("consent-submit").click()
    page.wait_for_url(f"**/i/{reference}/prepare")
    page.get_by_test_id("prepare-done").click()
    page.wait_for_url(f"**/i/{reference}/page")
    page.get_by_test_id("page-camera").wait_for()  # the script shows the camera choice
    step(site, page, f"{tag}-3-page")
    page.get_by_test_id("page-file").set_input_files(str(folder / "page_phone.jpg"))
    page.get_by_test_id("page-send").click()
    page.wait_for_url(f"**/i/{reference}/selfie")


def film_for_the_challenge(video: Path, folder: Path, species: str) -> Any:
    """A route handler: passes the page's challenge request on, renders the camera's video
    for the challenge in the answer (lead-in, colours, prompt), then answers the page."""

    def handle(route: Route) -> None:
        response = route.fetch()
        issued = response.json()
        portrait = np.asarray(Image.open(folder / "selfie.jpg").convert("RGB"))
        challenge = issued["liveness_challenge"]
        frames = camera_frames(
            portrait,
            challenge,
            species,
            lead_in_ms=CAPTURE_LEAD_IN_MS,
            fps=CAMERA_FPS,
            size=CAMERA_SIZE,
            seed=zlib.crc32(str(challenge["challenge_id"]).encode()),
        )
        fresh = video.with_suffix(".new.y4m")
        write_y4m(fresh, frames, CAMERA_FPS)
        fresh.replace(video)
        route.fulfill(response=response)

    return handle


def selfie_in_the_browser(
    site: Service, page: Page, reference: str, video: Path, folder: Path, species: str, tag: str
) -> None:
    page.get_by_test_id("selfie-camera").wait_for()
    step(site, page, f"{tag}-4-selfie")
    page.route("**/challenges?renew=liveness", film_for_the_challenge(video, folder, species))
    page.get_by_test_id("selfie-start").click()
    page.get_by_test_id("selfie-stage").wait_for(timeout=240_000)  # the video is rendered first
    step(site, page, f"{tag}-4-selfie-camera", axe=False)
    page.wait_for_url(f"**/i/{reference}/app", timeout=240_000)


def chip_in_the_app(site: Service, page: Page, folder: Path) -> dict[str, Any]:
    page.wait_for_function("document.querySelector('[data-testid=app-qr]').complete")
    shot = page.get_by_test_id("app-qr").screenshot()
    [symbol] = decode(Image.open(io.BytesIO(shot)).convert("L"))
    handover = parse_handover(symbol.data.decode())
    assert handover is not None

    def phone() -> dict[str, Any]:
        client = MobileClient.connect(site.service.url, poll_interval=0.2)
        try:
            return scenarios.chip_after_browser(client, folder, handover)
        finally:
            client.close()

    return off_the_event_loop(phone, timeout=300)


def my_data(site: Service, page: Page, reference: str, folder: Path, tag: str) -> None:
    """ "My data": the birth date opens the access report; its JSON download names the
    company that asked, with a disclosure proof that verifies, and this session."""
    identity = json.loads((folder / "person.json").read_text())
    born = date.fromisoformat(identity["birth_date"])
    # the pension company asks about the pensioner: a disclosure in the register's log
    national_id = str(identity["national_id"]["value"])
    off_the_event_loop(lambda: site.company.status(national_id), timeout=60)
    page.get_by_test_id("mydata-link").click()
    page.wait_for_url(f"**/i/{reference}/mydata")
    page.get_by_test_id("mydata-day").fill(str(born.day))
    page.get_by_test_id("mydata-month").fill(str(born.month))
    page.get_by_test_id("mydata-year").fill(str(born.year))
    page.get_by_test_id("mydata-submit").click()
    page.wait_for_url(f"**/i/{reference}/mydata/report")
    assert page.get_by_test_id("report-proof").get_attribute("data-ok") == "yes"
    step(site, page, f"{tag}-7-my-data")
    with page.expect_download() as waiting:
        page.get_by_test_id("report-json").click()
    download = waiting.value
    assert download.suggested_filename == "my-data.json"
    report = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert [d["action"] for d in report["register"]["disclosures"]] == ["status"]
    assert verify_access_proof(report["register"]).ok
    assert len(report["service"]["sessions"]) == 1


def liveness_evidence(site: Service, reference: str) -> list[Any]:
    """The liveness checks of the letter's latest session (for a failure's message)."""
    del reference  # one journey at a time: the newest checks are its own
    engine = make_engine(site.service.settings.database.url)
    try:
        with make_session_factory(engine)() as db:
            rows = db.scalars(
                select(StoredCheck)
                .where(StoredCheck.check.like("liveness%"))
                .order_by(StoredCheck.id.desc())
                .limit(8)
            )
            return [(row.check, row.verdict, row.reason, row.evidence) for row in rows]
    finally:
        engine.dispose()


# (language, sample pensioner, what the camera films, the state, what the status page says)
JOURNEYS = [
    ("nb", "p01", "genuine", "approved", "Leveattesten din er bekreftet"),
    ("en", "p02", "genuine", "approved", "Your life certificate is confirmed"),
    ("nb", "p06", "print", "needs_review", "En person ser på det du sendte"),
    ("en", "p08", "print", "needs_review", "A person is looking at what you sent"),
]


@pytest.mark.parametrize(("language", "person", "species", "state", "says"), JOURNEYS)
def test_capture_in_the_browser_with_a_fake_camera_then_the_app_reads_the_chip(
    site: Service, language: str, person: str, species: str, state: str, says: str
):
    folder, reference = site.invite(person)
    video = site.videos / f"{person}.y4m"
    tag = f"{language}-{species}"
    browser = site.camera_browser(video)
    try:
        page = new_page(browser, language)
        consent_and_page_photo(site, page, reference, folder, tag)
        selfie_in_the_browser(site, page, reference, video, folder, species, tag)
        assert page.locator("html").get_attribute("lang") == language
        step(site, page, f"{tag}-5-app")
        result = chip_in_the_app(site, page, folder)
        assert result["actual"] == state, (result, liveness_evidence(site, reference))
        page.get_by_test_id("app-done").click()
        page.wait_for_url(f"**/i/{reference}/status")
        status = page.get_by_test_id("status")
        assert status.get_attribute("data-state") == state
        assert says in status.inner_text()
        step(site, page, f"{tag}-6-{state}")
        my_data(site, page, reference, folder, tag)
        page.goto(f"{site.service.url}/i/{reference}/status")
        page.get_by_test_id("withdraw-submit").click()
        page.get_by_test_id("withdrawn").wait_for()
        step(site, page, f"{tag}-8-withdrawn")
    finally:
        browser.close()


def test_a_camera_that_may_not_be_used_or_is_missing_gets_a_fallback_in_plain_words(site: Service):
    """Camera permission refused (a camera exists, the browser may not use it), and no
    camera at all: the selfie page says so in plain words and offers the app; the page
    photo can still be sent with the file picker."""
    cases = [
        ("camera_denied", ["--use-fake-device-for-media-stream"], "may not use the camera"),
        ("no_camera", [], "could not find a camera"),
    ]
    for index, (code, args, says) in enumerate(cases):
        folder, reference = site.invite(("p09", "p11")[index])
        browser = site.browser(*args)
        try:
            page = new_page(browser, "en")
            consent_and_page_photo(site, page, reference, folder, f"en-{code}")
            page.get_by_test_id("selfie-start").click()
            problem = page.get_by_test_id("capture-problem")
            problem.wait_for()
            assert says in problem.inner_text()
            assert page.get_by_test_id("selfie-stage").is_hidden()
            assert page.get_by_test_id("selfie-start").inner_text() == "Try again"
            step(site, page, f"en-{code}-4-selfie")
            page.get_by_test_id("capture-in-app").click()
            page.wait_for_url(f"**/i/{reference}/app")
            # the page photo arrived, the video did not: the app is asked for all of it
            assert "takes the photos" in page.get_by_test_id("app-body").inner_text()
        finally:
            browser.close()


def test_without_javascript_the_pages_read_and_the_photo_form_still_works(site: Service):
    folder, reference = site.invite("p12")
    browser = site.browser()
    try:
        page = new_page(browser, "nb", javascript=False)
        page.goto(f"{site.service.url}/i/{reference}")
        page.get_by_test_id("consent-box").check()
        page.get_by_test_id("consent-submit").click()
        page.wait_for_url(f"**/i/{reference}/prepare")
        page.get_by_test_id("prepare-done").click()
        page.wait_for_url(f"**/i/{reference}/page")
        assert page.get_by_test_id("page-camera").is_hidden()  # the camera needs the script
        page.get_by_test_id("page-file").set_input_files(str(folder / "page_phone.jpg"))
        page.get_by_test_id("page-send").click()
        page.wait_for_url(f"**/i/{reference}/selfie")
        assert page.get_by_test_id("selfie-camera").is_hidden()
        assert "JavaScript" in page.get_by_test_id("selfie-no-script").inner_text()
        step(site, page, "nb-noscript-4-selfie", axe=False)  # axe-core is a script itself
    finally:
        browser.close()


def test_the_document_photo_taken_with_the_camera_arrives_as_the_apps_would(site: Service):
    """ "Use the camera": the rear camera's picture with the frame guide, "Take the photo",
    a JPEG ``PUT …/parts/PAGE`` over the API; the service holds it and the selfie is next."""
    folder, reference = site.invite("p03")
    video = site.videos / "page-camera.y4m"
    with Image.open(folder / "page_phone.jpg") as photo:
        still = np.asarray(photo.convert("RGB").resize((1280, 960)))
    write_y4m(video, [still, still], CAMERA_FPS)
    browser = site.camera_browser(video)
    try:
        page = new_page(browser, "en")
        page.goto(f"{site.service.url}/i/{reference}")
        page.get_by_test_id("consent-box").check()
        page.get_by_test_id("consent-submit").click()
        page.wait_for_url(f"**/i/{reference}/prepare")
        page.get_by_test_id("prepare-done").click()
        page.wait_for_url(f"**/i/{reference}/page")
        page.get_by_test_id("page-camera-start").click()
        page.get_by_test_id("page-shoot").wait_for()
        page.wait_for_function("document.querySelector('[data-role=video]').videoWidth > 0")
        step(site, page, "en-camera-3-page-camera")
        page.get_by_test_id("page-shoot").click()
        page.wait_for_url(f"**/i/{reference}/selfie")
        page.get_by_test_id("capture-in-app").click()
        page.wait_for_url(f"**/i/{reference}/app")
        held = held_categories(site, page)
        assert held == {"page": 1}, held
    finally:
        browser.close()


def held_categories(site: Service, page: Page) -> dict[str, int]:
    """What the service holds for the session on the page's hand-over link (as the app
    sees it in the privacy view)."""
    handover = parse_handover(page.get_by_test_id("app-link").get_attribute("href") or "")
    assert handover is not None
    client = MobileClient.connect(site.service.url)
    try:
        session = client.resume(handover, renew="aa")
        return {item.category: item.count for item in client.privacy(session).held}
    finally:
        client.close()
