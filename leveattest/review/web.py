"""The console's routes (all under ``/ops``): sign-in, queue, case, decisions, audit,
dashboard, accounts. Handlers are thin: the service checks roles and claims and audits.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from leveattest.core.errors import RequestInvalidError
from leveattest.core.ratelimit import RateLimiter, address_of
from leveattest.review import charts
from leveattest.review.audit import ANONYMOUS
from leveattest.review.auth import Credentials, csrf_matches
from leveattest.review.dashboard import OUTCOMES, SOURCES
from leveattest.review.errors import CsrfError
from leveattest.review.evidence import ScoreBar
from leveattest.review.models import DECIDING_ROLES, Role
from leveattest.review.queue import AGE_BANDS, QueueFilter
from leveattest.review.rights import answer_rights, record_objection, rights_case, rights_list
from leveattest.review.service import ReviewService, Staff
from register.client import ManualCertificate

router = APIRouter()
LOGIN_CSRF_COOKIE = "leveattest_ops_login"
FormText = Annotated[str, Form(max_length=4000)]
Csrf = Annotated[str, Form(max_length=200)]


def _service(request: Request) -> ReviewService:
    service: ReviewService = request.app.state.review
    return service


def _token(request: Request) -> str | None:
    return request.cookies.get(_service(request).settings.cookie_name)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = request.app.state.templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status)


def _staff(request: Request, action: str) -> Staff:
    return _service(request).authenticate(_token(request), action)


def _post_staff(
    request: Request, csrf_token: str, action: str, subject: str | None = None
) -> Staff:
    """The signed-in staff member of a form POST whose CSRF token matches the session."""
    service = _service(request)
    staff = service.authenticate(_token(request), action)
    if not csrf_matches(staff.csrf_token, csrf_token):
        service.refused(staff.actor, action, subject, CsrfError.code)
        raise CsrfError()
    return staff


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def score_bar_markup(bar: ScoreBar) -> Markup:
    return charts.score_bar(
        bar.value, bar.threshold, bar.maximum, band=bar.band, higher_is_better=bar.higher_is_better
    )


# -- sign-in ---------------------------------------------------------------------------


@router.get("/ops", include_in_schema=False)
@router.get("/ops/", include_in_schema=False)
def home() -> Response:
    return _back("/ops/queue")


@router.get("/ops/login")
def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = _render(request, "login.html", csrf_token=token, staff=None, error=None)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


@router.post("/ops/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    totp: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    service = _service(request)
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit("ops_sign_in_per_address", address_of(request.client))
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        service.refused(ANONYMOUS, "ops:auth:sign_in", None, CsrfError.code)
        raise CsrfError()
    token, _staff_member = service.sign_in(Credentials(username, password, totp))
    response = _back("/ops/queue")
    _set_cookie(request, response, service.settings.cookie_name, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/ops")
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=_service(request).settings.cookie_secure,
        path="/ops",
    )


@router.post("/ops/logout")
def logout(request: Request, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:auth:sign_out")
    _service(request).sign_out(staff, _token(request))
    response = _back("/ops/login")
    response.delete_cookie(_service(request).settings.cookie_name, path="/ops")
    return response


# -- queue and claims --------------------------------------------------------------------


@router.get("/ops/queue")
def queue_page(
    request: Request,
    reason: Annotated[str, Query(max_length=60)] = "",
    country: Annotated[str, Query(max_length=3)] = "",
    age_band: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    staff = _staff(request, "ops:queue:view")
    service = _service(request)
    wanted = QueueFilter(reason=reason, country=country.upper(), age_band=age_band)
    items, everything = service.queue(staff, wanted)
    return _render(
        request,
        "queue.html",
        staff=staff,
        items=items,
        wanted=wanted,
        reasons=sorted({r for item in everything for r in item.reasons}),
        countries=sorted({item.country for item in everything if item.country}),
        age_bands=AGE_BANDS,
        may_claim=staff.role in DECIDING_ROLES,
        sla=service.settings.service_level_working_days,
    )


@router.post("/ops/cases/{session_id}/claim")
def claim(request: Request, session_id: str, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:case:claim", session_id)
    _service(request).claim(staff, session_id)
    return _back(f"/ops/cases/{session_id}")


@router.post("/ops/cases/{session_id}/release")
def release(request: Request, session_id: str, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:case:release", session_id)
    _service(request).release(staff, session_id)
    return _back("/ops/queue")


# -- case page and images ----------------------------------------------------------------


@router.get("/ops/cases/{session_id}")
def case_page(request: Request, session_id: str) -> Response:
    staff = _staff(request, "ops:case:view")
    page = _service(request).case_page(staff, session_id)
    return _render(request, "case.html", staff=staff, page=page, case=page.view)


@router.get("/ops/cases/{session_id}/images/{name}")
def case_image(
    request: Request,
    session_id: str,
    name: str,
    exp: Annotated[str, Query(max_length=12)] = "",
    sig: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    staff = _staff(request, "ops:image:fetch")
    data, media = _service(request).image(staff, session_id, name, exp, sig)
    return Response(data, media_type=media, headers={"Content-Disposition": "inline"})


# -- decisions ---------------------------------------------------------------------------


def _decided(
    request: Request, staff: Staff, session_id: str, outcome: str, certificate: int | None = None
) -> Response:
    return _render(
        request, "decided.html", staff=staff, outcome=outcome, reference=session_id,
        certificate=certificate,
    )  # fmt: skip


@router.post("/ops/cases/{session_id}/approve")
def approve(request: Request, session_id: str, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:case:approve", session_id)
    certificate = _service(request).approve(staff, session_id)
    return _decided(request, staff, session_id, "approved", certificate)


@router.post("/ops/cases/{session_id}/retry")
def retry(
    request: Request, session_id: str, advice: FormText = "", csrf_token: Csrf = ""
) -> Response:
    staff = _post_staff(request, csrf_token, "ops:case:retry", session_id)
    _service(request).request_retry(staff, session_id, advice)
    return _decided(request, staff, session_id, "retry_requested")


@router.post("/ops/cases/{session_id}/reject")
def reject(
    request: Request, session_id: str, reason: FormText = "", csrf_token: Csrf = ""
) -> Response:
    staff = _post_staff(request, csrf_token, "ops:case:reject", session_id)
    outcome = _service(request).reject(staff, session_id, reason)
    return _decided(
        request, staff, session_id, "rejection_proposed" if outcome == "proposed" else "rejected"
    )


# -- the register: manual certificates (register operators) ------------------------------


@router.get("/ops/register/manual")
def manual_page(request: Request) -> Response:
    staff = _staff(request, "ops:register:manual_certificate")
    _service(request).require_role(staff, Role.REGISTER_OPERATOR)
    return _render(request, "manual.html", staff=staff, recorded=None)


@router.post("/ops/register/manual")
def manual_record(
    request: Request,
    *,
    certified_on: Annotated[str, Form(max_length=10)],
    paper_reference: Annotated[str, Form(max_length=100)],
    national_id: Annotated[str, Form(max_length=40)] = "",
    foreign_id: Annotated[str, Form(max_length=40)] = "",
    issuing_state: Annotated[str, Form(max_length=3)] = "",
    kind: Annotated[str, Form(max_length=20)] = "paper",
    csrf_token: Csrf = "",
) -> Response:
    staff = _post_staff(request, csrf_token, "ops:register:manual_certificate")
    person = (
        {"national_id": national_id.strip()}
        if national_id.strip()
        else {"foreign_id": foreign_id.strip(), "issuing_state": issuing_state.strip().upper()}
    )
    try:
        on = date.fromisoformat(certified_on)
    except ValueError as exc:
        raise RequestInvalidError(field="certified_on") from exc
    manual = ManualCertificate(
        person=person, certified_on=on, paper_reference=paper_reference, recorded_by="-",
        kind=kind,
    )  # fmt: skip
    certificate = _service(request).record_manual_certificate(staff, manual)
    return _render(request, "manual.html", staff=staff, recorded=certificate)


# -- the pensioners' rights requests (objection, rectification, restriction) -------------


@router.get("/ops/rights")
def rights_page(request: Request) -> Response:
    staff = _staff(request, "ops:rights:list")
    items = rights_list(_service(request), staff)
    return _render(request, "rights.html", staff=staff, items=items)


@router.get("/ops/rights/{request_id}")
def rights_case_page(request: Request, request_id: str) -> Response:
    staff = _staff(request, "ops:rights:view")
    case = rights_case(_service(request), staff, request_id)
    today = _service(request).now().date()
    return _render(request, "rights_case.html", staff=staff, case=case, today=today)


@router.post("/ops/rights/{request_id}/answer")
def rights_answer(
    request: Request, request_id: str, answer: FormText = "", csrf_token: Csrf = ""
) -> Response:
    staff = _post_staff(request, csrf_token, "ops:rights:answer", request_id)
    answer_rights(_service(request), staff, request_id, answer)
    return _back(f"/ops/rights/{request_id}")


@router.post("/ops/rights/{request_id}/objection")
def rights_objection(request: Request, request_id: str, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:rights:objection_recorded", request_id)
    record_objection(_service(request), staff, request_id)
    return _back(f"/ops/rights/{request_id}")


# -- audit log, dashboard, accounts ------------------------------------------------------


@router.get("/ops/audit")
def audit_page(
    request: Request,
    before: Annotated[int | None, Query(ge=1)] = None,
    action: Annotated[str, Query(max_length=60)] = "",
    subject: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    staff = _staff(request, "ops:audit:view")
    rows = _service(request).audit_log(staff, before_id=before, action=action, subject=subject)
    return _render(
        request, "audit.html", staff=staff, rows=rows, action=action, subject=subject,
        next_before=rows[-1].id if len(rows) >= 200 else None,
    )  # fmt: skip


@router.get("/ops/dashboard")
def dashboard_page(request: Request) -> Response:
    staff = _staff(request, "ops:dashboard:view")
    service = _service(request)
    board = service.dashboard(staff)
    sla = service.settings.service_level_working_days
    age_labels = [str(n) for n in range(5)] + ["5+"]
    figures = {
        "throughput": charts.columns(
            "decisions per day (automatic / manual)",
            [(d.strftime("%d.%m"), board.throughput[d]) for d in board.days],
            SOURCES,
            "chart-throughput",
        ),
        "queue_age": charts.columns(
            "waiting cases by working days waited",
            [(label, {"waiting": board.queue_age.get(label, 0)}) for label in age_labels],
            ("waiting",),
            "chart-queue-age",
            marker_after=sla + 1,
        ),
        "by_source": charts.stacked_bars(
            "outcomes: automatic vs manual",
            [(s, board.by_source[s]) for s in SOURCES],
            OUTCOMES,
            "chart-by-source",
        ),
        "by_reason": charts.stacked_bars(
            "outcomes by reason",
            sorted(board.by_reason.items(), key=lambda kv: -sum(kv[1].values()))[:15],
            OUTCOMES,
            "chart-by-reason",
        ),
        "by_country": charts.stacked_bars(
            "outcomes by document country",
            sorted(board.by_country.items(), key=lambda kv: -sum(kv[1].values()))[:15],
            OUTCOMES,
            "chart-by-country",
        ),
        "by_age_band": charts.stacked_bars(
            "outcomes by age band (console decisions and waiting cases)",
            list(board.by_age_band.items()),
            OUTCOMES,
            "chart-by-age-band",
        ),
    }
    return _render(request, "dashboard.html", staff=staff, board=board, figures=figures, sla=sla)


@router.get("/ops/accounts")
def accounts_page(request: Request) -> Response:
    staff = _staff(request, "ops:accounts:view")
    rows = _service(request).accounts(staff)
    return _render(request, "accounts.html", staff=staff, rows=rows, now=_service(request).now())


@router.post("/ops/accounts/{account_id}/unlock")
def unlock(request: Request, account_id: str, csrf_token: Csrf = "") -> Response:
    staff = _post_staff(request, csrf_token, "ops:accounts:unlock", account_id)
    _service(request).unlock(staff, account_id)
    return _back("/ops/accounts")


ROLE_NAMES = {role.value: role.value.replace("_", " ") for role in Role}
