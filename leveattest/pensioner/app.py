"""``create_pensioner_app(ctx, requesters)``: the pensioner's pages.

Server-rendered (Jinja2, autoescaped), our own CSS, no script and nothing fetched from
elsewhere, so the pages read the same without JavaScript; a strict Content-Security-Policy
and ``no-store`` on every answer. Routes:

* ``/`` — what this is, and a form for the reference printed in the letter;
* ``/i/<reference>`` — the invitation behind the letter's QR code (who asks and why, the
  deadline, the steps, what is needed, the privacy notice and the consent: step 1 of 4);
* ``/i/<reference>/prepare`` (2 of 6); ``/i/<reference>/page`` (3 of 6: the data-page
  photo, by the camera with a frame guide or a file picker that also works without
  JavaScript); ``/i/<reference>/selfie`` (4 of 6: the selfie and liveness frames under the
  server's colour challenge, ``static/capture.js`` over the phone app's own ``/v1`` API);
  ``/i/<reference>/app`` (5 of 6: the hand-over to the phone app, which reads the chip,
  and takes the photos when the browser could not); ``/i/<reference>/status`` (6 of 6:
  the status, to come back to from the letter at any time).

Reference look-ups are rate-limited per client address, and an unknown, fulfilled or
expired reference gets the same page and status (404), so the pages tell a guesser
nothing. The session started by the consent is kept in an ``HttpOnly`` cookie scoped to
the reference's path; the status by reference shows no personal data.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import segno
from fastapi import FastAPI, Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from leveattest.contracts.sessions import ConsentRequest, StartSessionRequest, Status
from leveattest.core.errors import LeveattestError, RequestInvalidError
from leveattest.core.i18n import Message
from leveattest.core.ratelimit import RateLimitedError, RateLimiter, address_of
from leveattest.core.security_headers import PAGE_HEADERS, add_security_headers
from leveattest.core.settings import PensionerSettings
from leveattest.pensioner import access, texts
from leveattest.pensioner import access_texts as access_t
from leveattest.pensioner.language import (
    COOKIE,
    LANGUAGES,
    Texts,
    choose,
    language_name,
    long_date,
)
from leveattest.sessions import repository, rights, service, views
from leveattest.sessions.advice_texts import translate_advice
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.errors import UploadTooLargeError, UploadTruncatedError
from leveattest.sessions.mail import remember_address, valid_address
from leveattest.sessions.messages import OUTCOMES, REGISTER_KEEPS_REASON, translate
from leveattest.sessions.models import SessionState
from leveattest.sessions.parts import check_declared, part_spec
from leveattest.sessions.uploads import IncomingPart, record_upload, stage_upload
from register.client import InvitationInfo, verify_access_proof

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "leveattest_session"
TOTAL_STEPS = 6
# the selfie page starts the colour sequence this long after the camera started: time to
# see one's face in the frame, with a count-down (mobile_stub.capture.video renders it)
CAPTURE_LEAD_IN_MS = 3000
# what a multipart form adds around the photo (boundaries, part headers)
FORM_OVERHEAD_BYTES = 16_384
# the one form that posts a file: the document photo's (works without JavaScript)
PHOTO_FORM = re.compile(r"/i/[A-Za-z0-9]{8,40}/page")
# what the browser's capture uploads, as the service's upload categories
BROWSER_CAPTURE = frozenset({"page", "selfie", "liveness"})
SECURITY_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
Requesters = Callable[[str], list[str]]


def _valid_reference(reference: str) -> bool:
    return 8 <= len(reference) <= 40 and reference.isascii() and reference.isalnum()


class _Pages:
    def __init__(
        self,
        ctx: SessionContext,
        requesters: Requesters,
        settings: PensionerSettings,
        limiter: RateLimiter,
    ) -> None:
        self.ctx, self.requesters, self.settings = ctx, requesters, settings
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
        self.limiter = limiter

    def limited(self, request: Request, rule: str, key: str | None = None) -> Response | None:
        """Count one hit of ``rule`` (the shared limiter: Redis in production); the 429
        page when over it."""
        try:
            self.limiter.hit(rule, key or address_of(request.client))
        except RateLimitedError as exc:
            page = self.message(request, 429, texts.TOO_MANY_TITLE, texts.TOO_MANY_BODY)
            page.headers["Retry-After"] = str(exc.retry_after)
            return page
        return None

    def language(self, request: Request) -> str:
        return choose(
            request.query_params.get("lang"),
            request.cookies.get(COOKIE),
            request.headers.get("accept-language"),
        )

    def render(
        self, request: Request, template: str, *, status: int = 200, **values: Any
    ) -> HTMLResponse:
        language = self.language(request)
        html = self.env.get_template(template).render(
            t=Texts(language),
            T=texts,
            A=access_t,
            lang=language,
            languages=[(code, language_name(code)) for code in LANGUAGES],
            path=request.url.path,
            total=TOTAL_STEPS,
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGUAGES:
            response.set_cookie(
                COOKIE,
                language,
                max_age=400 * 24 * 3600,
                httponly=True,
                samesite="lax",
                secure=self.settings.cookie_secure,
            )
        return response

    def invitation(
        self, request: Request, reference: str, *, with_sessions: bool = False
    ) -> InvitationInfo | Response:
        """The open invitation, or the one page for every reason it is not shown.
        ``with_sessions``: also a closed one that started a session (its status stays
        readable after the certificate fulfilled the requests)."""
        refused = self.limited(request, "pensioner_lookups_per_address")
        if refused is not None:
            return refused
        info = None
        if _valid_reference(reference) and self.ctx.register is not None:
            info = self.ctx.register.lookup_invitation(reference)
        shown = info is not None and (
            (info.open and not info.expired) or (with_sessions and bool(info.sessions))
        )
        if info is None or not shown:
            return self.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        return info

    def message(self, request: Request, status: int, title: Message, body: Message) -> HTMLResponse:
        return self.render(request, "message.html", status=status, title=title, body=body)

    def session_cookie(self, request: Request) -> tuple[str, str] | None:
        session_id, _, token = (request.cookies.get(SESSION_COOKIE) or "").partition(".")
        return (session_id, token) if session_id and token else None

    def latest_status(self, info: InvitationInfo) -> tuple[Status, Any, list[str]] | None:
        """The latest session's status, outcome and advice (the pipeline's sentences)."""
        if not info.sessions:
            return None
        with self.ctx.unit_of_work() as db:
            row = repository.get_session(db, info.sessions[-1])
            status = views.session_status(self.ctx, row)
            advice = list(row.advice or [])
        return status.status, status.outcome, advice


def create_pensioner_app(
    ctx: SessionContext,
    requesters: Requesters,
    settings: PensionerSettings | None = None,
    *,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """``limiter``: the shared rate limiter (by default one over ``ctx.settings.rate_limits``:
    Redis when configured, so every HTTP process counts the same look-ups)."""
    pages = _Pages(
        ctx,
        requesters,
        settings or ctx.settings.pensioner,
        limiter or RateLimiter(ctx.settings.rate_limits),
    )
    app = FastAPI(title="leveattest pensioner", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pages = pages
    app.mount("/p/static", StaticFiles(directory=HERE / "static"), name="pensioner-static")

    @app.middleware("http")
    async def _forms_only(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """The pages' forms are URL-encoded; a multipart body is refused unread (Starlette
        leaves the temporary file of a truncated multipart part open), except the document
        photo's form, which reads it with a size limit and closes every part it opened."""
        if request.headers.get("content-type", "").lower().lstrip().startswith(
            "multipart/"
        ) and not (request.method == "POST" and PHOTO_FORM.fullmatch(request.url.path)):
            return pages.message(request, 415, texts.ERROR_TITLE, texts.ERROR_BODY)
        return await call_next(request)

    add_security_headers(app, SECURITY_HEADERS)

    # what the framework refuses is a page in the reader's language too, never JSON
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: Exception) -> Response:
        del exc  # pydantic errors may echo input: never shown
        return pages.message(request, 400, texts.ERROR_TITLE, texts.ERROR_BODY)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            return pages.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        page = pages.message(request, exc.status_code, texts.ERROR_TITLE, texts.ERROR_BODY)
        if exc.headers and "Allow" in exc.headers:
            page.headers["Allow"] = exc.headers["Allow"]
        return page

    @app.exception_handler(LeveattestError)
    async def _error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LeveattestError)
        return pages.message(request, exc.http_status, texts.ERROR_TITLE, texts.ERROR_BODY)

    @app.get("/", response_class=HTMLResponse)
    def landing(request: Request) -> Response:
        return pages.render(request, "landing.html")

    @app.get("/i", response_class=HTMLResponse)
    def open_letter(request: Request, reference: str = "") -> Response:
        """The landing page's form: the reference typed from the letter."""
        typed = "".join(reference.split())[:40]
        if not _valid_reference(typed):
            return pages.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        return RedirectResponse(f"/i/{typed}", status_code=303)

    @app.get("/i/{reference}", response_class=HTMLResponse)
    def invitation(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        return _invitation_page(request, found, missing_consent=False)

    def _invitation_page(
        request: Request,
        info: InvitationInfo,
        *,
        missing_consent: bool,
        invalid_email: bool = False,
        email: str = "",
    ) -> Response:
        language = pages.language(request)
        return pages.render(
            request,
            "invitation.html",
            status=400 if missing_consent or invalid_email else 200,
            reference=info.reference,
            full_name=info.full_name,
            companies=pages.requesters(info.reference),
            deadline=long_date(info.deadline, language),
            retention_days=ctx.session_settings.retention_days,
            missing_consent=missing_consent,
            invalid_email=invalid_email,
            email=email,
            step=1,
        )

    @app.post("/i/{reference}/start")
    def start(
        request: Request,
        reference: str,
        consent: str = Form(default="", max_length=10),
        email: str = Form(default="", max_length=400),
    ) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        address = email.strip()
        invalid = bool(address) and not valid_address(address)
        if consent != "yes" or invalid:
            return _invitation_page(
                request,
                found,
                missing_consent=consent != "yes",
                invalid_email=invalid,
                email=address[:254],
            )
        language = pages.language(request)
        try:
            with ctx.unit_of_work() as db:
                started = service.start_session(
                    db, ctx, StartSessionRequest(invitation_reference=reference), status_url=""
                )
            with ctx.unit_of_work() as db:
                row = repository.authorised_session(
                    db, started.session_id, started.access_token, for_update=True
                )
                notice = ctx.session_settings.notice_versions[-1]
                consent_language = language if language in ctx.session_settings.languages else "en"
                service.record_consent(
                    db, ctx, row, ConsentRequest(notice_version=notice, language=consent_language)
                )
                if address:
                    remember_address(db, ctx, started.session_id, address, reference)
        except LeveattestError:
            return pages.message(request, 409, texts.ERROR_TITLE, texts.ERROR_BODY)
        if ctx.register is not None:  # the next letters (reminders, next year) in this language
            ctx.register.remember_letter_language(reference, language)
        response = RedirectResponse(f"/i/{reference}/prepare", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            f"{started.session_id}.{started.access_token}",
            max_age=ctx.session_settings.session_ttl_hours * 3600,
            path=f"/i/{reference}",
            httponly=True,
            samesite="strict",
            secure=pages.settings.cookie_secure,
        )
        return response

    @app.get("/i/{reference}/prepare", response_class=HTMLResponse)
    def prepare(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        return pages.render(request, "prepare.html", reference=reference, step=2)

    def _capturing(request: Request, info: InvitationInfo) -> tuple[str, str] | None:
        """This browser's session, if it is the letter's latest and takes uploads now."""
        held = _own_session(request, info)
        if held is None:
            return None
        with ctx.unit_of_work() as db:
            row = repository.authorised_session(db, held[0], held[1])
            return held if row.state == SessionState.COLLECTING else None

    def _captured(held: tuple[str, str] | None) -> bool:
        """The browser has sent the page photo, the selfie and the liveness frames."""
        if held is None:
            return False
        with ctx.unit_of_work() as db:
            row = repository.authorised_session(db, held[0], held[1])
            uploads = repository.live_uploads(db, row.id, row.attempt)
            return {upload.category for upload in uploads} >= BROWSER_CAPTURE

    def _capture_page(
        request: Request,
        template: str,
        reference: str,
        held: tuple[str, str],
        *,
        step: int,
        status: int = 200,
        problem: Message | None = None,
    ) -> Response:
        settings = ctx.session_settings
        return pages.render(
            request,
            template,
            status=status,
            reference=reference,
            step=step,
            session_id=held[0],
            token=held[1],
            max_image_bytes=settings.max_image_bytes,
            max_frame_bytes=settings.max_frame_bytes,
            max_frames=settings.max_frames,
            lead_in_ms=CAPTURE_LEAD_IN_MS,
            problem=problem,
        )

    @app.get("/i/{reference}/page", response_class=HTMLResponse)
    def page_photo(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        held = _capturing(request, found)
        if held is None:  # no consent in this browser, or the uploads are closed
            return RedirectResponse(f"/i/{reference}/status", status_code=303)
        return _capture_page(request, "page.html", reference, held, step=3)

    @app.post("/i/{reference}/page", response_class=HTMLResponse)
    async def page_photo_form(request: Request, reference: str) -> Response:
        """The file picker's form (works without JavaScript): the photo is checked and
        stored as ``PUT /v1/sessions/<id>/parts/PAGE`` does, with the same limits and
        problem codes, said in plain words on the page."""
        found = await run_in_threadpool(pages.invitation, request, reference)
        if isinstance(found, Response):
            return found
        held = await run_in_threadpool(_capturing, request, found)
        if held is None:
            return RedirectResponse(f"/i/{reference}/status", status_code=303)
        try:
            media, data = await _form_photo(request, ctx.session_settings.max_image_bytes)
            await run_in_threadpool(_store_page, held, media, data)
        except LeveattestError as error:
            problem = texts.PROBLEMS_BY_CODE.get(error.code, texts.PROBLEM_OTHER)
            code = error.http_status
            return await run_in_threadpool(
                lambda: _capture_page(
                    request,
                    "page.html",
                    reference,
                    held,
                    step=3,
                    status=code,
                    problem=problem,
                )
            )
        return RedirectResponse(f"/i/{reference}/selfie", status_code=303)

    def _store_page(held: tuple[str, str], media: str, data: bytes) -> None:
        spec = part_spec("PAGE", ctx.session_settings)
        incoming = IncomingPart(spec, "PAGE", check_declared(spec, media, len(data)), data)
        with ctx.unit_of_work() as db:
            owner = blob_owner_of(repository.authorised_session(db, held[0], held[1]))
        staged = stage_upload(ctx, owner, incoming)
        try:
            with ctx.unit_of_work() as db:
                row = repository.authorised_session(db, held[0], held[1], for_update=True)
                record_upload(db, ctx, row, incoming, staged)
        finally:
            if staged is not None:
                staged.discard()

    @app.get("/i/{reference}/selfie", response_class=HTMLResponse)
    def selfie(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        held = _capturing(request, found)
        if held is None:
            return RedirectResponse(f"/i/{reference}/status", status_code=303)
        return _capture_page(request, "selfie.html", reference, held, step=4)

    @app.get("/i/{reference}/app", response_class=HTMLResponse)
    def app_step(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        return pages.render(
            request,
            "app.html",
            reference=reference,
            step=5,
            app_link=_app_link(request, reference),
            captured=_captured(_own_session(request, found)),
        )

    def _app_link(request: Request, reference: str) -> str:
        """The deep link that hands this session to the phone app (the letter's URL when
        the page has no session: the app then starts one from the letter)."""
        held = pages.session_cookie(request)
        if held is None:
            return f"{pages.settings.app_link_base}?reference={reference}"
        session_id, token = held
        return f"{pages.settings.app_link_base}?session={session_id}#token={token}"

    @app.get("/i/{reference}/app.svg")
    def app_qr(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference)
        if isinstance(found, Response):
            return found
        qr = segno.make(_app_link(request, reference), error="m", micro=False)
        out = io.BytesIO()
        qr.save(out, kind="svg", scale=6, border=4, dark="#000", light="#fff", xmldecl=False)
        return Response(out.getvalue(), media_type="image/svg+xml")

    @app.get("/i/{reference}/status", response_class=HTMLResponse)
    def status(request: Request, reference: str) -> Response:
        found = pages.invitation(request, reference, with_sessions=True)
        if isinstance(found, Response):
            return found
        language = pages.language(request)
        latest = pages.latest_status(found)
        outcome = None
        if latest is not None and latest[1] is not None:
            message, next_step = OUTCOMES[latest[1].code]
            outcome = (translate(message, language), translate(next_step, language))
        return pages.render(
            request,
            "status.html",
            reference=reference,
            step=6,
            state=latest[0].value if latest else None,
            outcome=outcome,
            advice=(
                [translate_advice(text, language) for text in latest[2]]
                if latest is not None and latest[0] is Status.RETRY_REQUESTED
                else []
            ),
            review_days=pages.settings.review_answer_days,
            can_withdraw=_own_session(request, found) is not None
            and latest is not None
            and latest[0] is not Status.WITHDRAWN,
        )

    def _own_session(request: Request, info: InvitationInfo) -> tuple[str, str] | None:
        """The session this browser consented to, if it is the letter's latest."""
        held = pages.session_cookie(request)
        if held is None or not info.sessions or held[0] != info.sessions[-1]:
            return None
        return held

    @app.post("/i/{reference}/withdraw")
    def withdraw(request: Request, reference: str) -> Response:
        """Withdraw consent for the session this browser started (its HttpOnly cookie is
        the proof): processing stops, everything uploaded is deleted, a receipt is shown."""
        found = pages.invitation(request, reference, with_sessions=True)
        if isinstance(found, Response):
            return found
        held = _own_session(request, found)
        if held is None:
            return pages.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        language = pages.language(request)
        try:
            with ctx.unit_of_work() as db:
                row = repository.authorised_session(db, held[0], held[1], for_update=True)
                receipt = service.withdraw(db, ctx, row)
        except LeveattestError:
            return pages.message(request, 409, texts.ERROR_TITLE, texts.ERROR_BODY)
        keeps = None
        if receipt.register_keeps is not None:
            keeps = translate(REGISTER_KEEPS_REASON, language)
        return pages.render(
            request,
            "withdrawn.html",
            reference=reference,
            receipt=receipt.digest[:16],
            register_keeps=keeps,
        )

    _my_data_routes(app, pages)
    return app


def _birth_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _my_data_routes(app: FastAPI, pages: _Pages) -> None:
    """``/i/<ref>/mydata``: the birth date opens the access report (page, PDF, JSON)."""
    ctx = pages.ctx

    def form(request: Request, reference: str, *, wrong: bool = False, **typed: str) -> Response:
        return pages.render(
            request,
            "mydata.html",
            status=400 if wrong else 200,
            reference=reference,
            wrong=wrong,
            typed=typed,
        )

    def proven(request: Request, reference: str) -> date | None:
        return access.open_access(ctx, reference, request.cookies.get(access.ACCESS_COOKIE))

    def report(request: Request, reference: str) -> dict[str, Any] | Response:
        """The report for the birth date proven in this browser, or the way back to it."""
        refused = pages.limited(request, "pensioner_lookups_per_address")
        if refused is not None:
            return refused
        birth = proven(request, reference) if _valid_reference(reference) else None
        register = None
        if birth is not None and ctx.register is not None:
            register = ctx.register.access_report(reference, birth)
        if register is None:
            return RedirectResponse(f"/i/{reference}/mydata", status_code=303)
        info = ctx.register.lookup_invitation(reference) if ctx.register is not None else None
        service_part = access.service_part(ctx, info.sessions if info is not None else [])
        return access.full_report(register, service_part, ctx.clock.now())

    def proof_text(t: Texts, found: dict[str, Any]) -> tuple[bool, str]:
        checked = verify_access_proof(found["register"])
        if checked.ok:
            return True, t(access_t.REPORT_PROOF_OK, entries=checked.tree_size)
        return False, t(access_t.REPORT_PROOF_BAD)

    @app.get("/i/{reference}/mydata", response_class=HTMLResponse)
    def my_data(request: Request, reference: str) -> Response:
        refused = pages.limited(request, "pensioner_lookups_per_address")
        if refused is not None:
            return refused
        if not _valid_reference(reference):
            return pages.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        if proven(request, reference) is not None:
            return RedirectResponse(f"/i/{reference}/mydata/report", status_code=303)
        return form(request, reference)

    @app.post("/i/{reference}/mydata")
    def prove(
        request: Request,
        reference: str,
        day: str = Form(default="", max_length=4),
        month: str = Form(default="", max_length=4),
        year: str = Form(default="", max_length=6),
    ) -> Response:
        """The birth date for the letter: limited per address and per reference, and an
        unknown, expired or closed reference answers exactly like a wrong date."""
        refused = pages.limited(request, "pensioner_lookups_per_address")
        if refused is None and _valid_reference(reference):
            refused = pages.limited(request, "pensioner_access_per_reference", reference)
        if refused is not None:
            return refused
        if not _valid_reference(reference):
            return pages.message(request, 404, texts.NOT_FOUND_TITLE, texts.NOT_FOUND_BODY)
        birth = _birth_date(day, month, year)
        found = None
        if birth is not None and ctx.register is not None:
            found = ctx.register.access_report(reference, birth)
        if found is None or birth is None:
            return form(request, reference, wrong=True, day=day, month=month, year=year)
        expires = ctx.clock.now() + timedelta(minutes=pages.settings.access_minutes)
        response = RedirectResponse(f"/i/{reference}/mydata/report", status_code=303)
        response.set_cookie(
            access.ACCESS_COOKIE,
            access.seal_access(ctx, reference, birth, expires),
            max_age=pages.settings.access_minutes * 60,
            path=f"/i/{reference}/mydata",
            httponly=True,
            samesite="strict",
            secure=pages.settings.cookie_secure,
        )
        return response

    @app.get("/i/{reference}/mydata/report", response_class=HTMLResponse)
    def report_page(request: Request, reference: str) -> Response:
        found = report(request, reference)
        if isinstance(found, Response):
            return found
        return report_view(request, reference, found)

    def report_view(
        request: Request,
        reference: str,
        found: dict[str, Any],
        *,
        status: int = 200,
        choose_kind: bool = False,
        sent: str | None = None,
    ) -> Response:
        t = Texts(pages.language(request))
        ok, proof = proof_text(t, found)
        with ctx.unit_of_work() as db:
            filed = rights.requests_of(db, ctx, reference)
        return pages.render(
            request,
            "report.html",
            status=status,
            reference=reference,
            lines=access.report_lines(found, t),
            issued=long_date(pages.ctx.clock.now().date(), t.language),
            proof_ok=ok,
            proof=proof,
            requests=[access.request_lines(case, t) for case in filed],
            choose_kind=choose_kind,
            sent=sent,
        )

    @app.post("/i/{reference}/mydata/requests")
    def file_request(
        request: Request,
        reference: str,
        kind: str = Form(default="", max_length=20),
        details: str = Form(default="", max_length=rights.MAX_DETAILS_CHARS),
    ) -> Response:
        """A rights request from the person who proved possession in this browser: a case
        for the ops console, answered on this page within one month."""
        found = report(request, reference)
        if isinstance(found, Response):
            return found
        if kind not in access_t.RIGHTS_KINDS:
            return report_view(request, reference, found, status=400, choose_kind=True)
        language = pages.language(request)
        with ctx.unit_of_work() as db:
            case = rights.file_request(db, ctx, reference, kind, details=details, language=language)
        sent = Texts(language)(access_t.RIGHTS_SENT, due=long_date(case.due_on, language))
        return report_view(request, reference, found, sent=sent)

    @app.get("/i/{reference}/mydata/report.pdf")
    def report_pdf(request: Request, reference: str) -> Response:
        found = report(request, reference)
        if isinstance(found, Response):
            return found
        t = Texts(pages.language(request))
        pdf = access.report_pdf(
            found,
            t,
            proof_text=proof_text(t, found)[1],
            fonts=(pages.settings.report_font, pages.settings.report_font_bold),
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="my-data.pdf"'},
        )

    @app.get("/i/{reference}/mydata/report.json")
    def report_json(request: Request, reference: str) -> Response:
        found = report(request, reference)
        if isinstance(found, Response):
            return found
        return Response(
            json.dumps(found, ensure_ascii=False, indent=1),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="my-data.json"'},
        )


def blob_owner_of(row: Any) -> str:
    return blob_owner(row.id, row.attempt)


async def _form_photo(request: Request, max_bytes: int) -> tuple[str, bytes]:
    """The one file ``photo`` of a multipart form, read with the part's size limit (the
    body is cut off at the limit plus the form's overhead, never held whole above it)."""
    declared = request.headers.get("content-length")
    limit = max_bytes + FORM_OVERHEAD_BYTES
    if declared and declared.isdigit() and int(declared) > limit:
        raise UploadTooLargeError(max=max_bytes)

    async def capped() -> Any:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise UploadTooLargeError(max=max_bytes)
            yield chunk

    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise RequestInvalidError(fields=["photo"])
    parser = MultiPartParser(
        request.headers, capped(), max_files=1, max_fields=2, max_part_size=1024
    )
    try:
        form = await parser.parse()
        photo = form.get("photo")
        if not isinstance(photo, UploadFile) or not photo.filename:
            raise RequestInvalidError(fields=["photo"])
        return photo.content_type or "", await photo.read()
    except MultiPartException as exc:
        raise UploadTruncatedError("the form could not be read") from exc
    finally:
        # every part's temporary file, a truncated one's too (it is in no form field)
        for opened in getattr(parser, "_files_to_close_on_error", []):
            opened.close()
