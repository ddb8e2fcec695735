""" "My data": the proof of possession (the letter's reference and the birth date), the
access report (what this service and the register hold, who asked about the person and
when, with the register's disclosure proof) as a page, a PDF and a JSON download.

The birth date the pensioner typed is kept for a few minutes in an ``HttpOnly`` cookie
sealed with the master key (AES-GCM, bound to the reference), so the page, the PDF and the
JSON can each ask the register again without the date being visible in the browser or
stored on the server.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from fpdf import FPDF
from sqlalchemy import select

from leveattest.core.errors import ConfigurationError
from leveattest.pensioner import access_texts as at
from leveattest.pensioner.language import Texts, long_date
from leveattest.sessions.context import SessionContext
from leveattest.sessions.models import PensionerContact, VerificationSession
from leveattest.sessions.rights import RightsCase
from leveattest.storage.envelope import DecryptionError, MasterKey

ACCESS_COOKIE = "leveattest_access"
REPORT_FORMAT = "leveattest-access-report/1"


def _context(reference: str) -> str:
    return f"pensioner-access:{reference}"


def seal_access(ctx: SessionContext, reference: str, birth_date: date, expires: datetime) -> str:
    master = MasterKey.from_ring(ctx.keyring)
    plain = json.dumps({"b": birth_date.isoformat(), "e": int(expires.timestamp())}).encode()
    return base64.urlsafe_b64encode(master.wrap(plain, context=_context(reference))).decode()


def open_access(ctx: SessionContext, reference: str, sealed: str | None) -> date | None:
    """The birth date proven for ``reference`` in this browser, while it is fresh."""
    if not sealed or len(sealed) > 400:
        return None
    master = MasterKey.from_ring(ctx.keyring)
    try:
        held = json.loads(
            master.unwrap(base64.urlsafe_b64decode(sealed.encode()), context=_context(reference))
        )
        if int(held["e"]) < ctx.clock.now().timestamp():
            return None
        return date.fromisoformat(held["b"])
    except (DecryptionError, ValueError, KeyError, TypeError):
        return None


def service_part(ctx: SessionContext, sessions: list[str]) -> dict[str, Any]:
    """What this service holds about the person: the sessions started from the letter
    (no images or chip data are shown; they are deleted at the decision at the latest)."""
    if not sessions:
        return {"sessions": []}
    with ctx.unit_of_work() as db:
        rows = db.scalars(
            select(VerificationSession)
            .where(VerificationSession.id.in_(sessions))
            .order_by(VerificationSession.created_at)
        ).all()
        with_address = set(
            db.scalars(
                select(PensionerContact.session_id).where(PensionerContact.session_id.in_(sessions))
            ).all()
        )
        return {
            "sessions": [
                {
                    "started_at": _iso(row.created_at),
                    "state": row.state,
                    "consented_at": _iso(row.consented_at),
                    "consent_language": row.consent_language,
                    "consent_notice_version": row.consent_notice_version,
                    "withdrawn_at": _iso(row.withdrawn_at),
                    "decided_at": _iso(row.decided_at),
                    "decision": row.decision,
                    "reasons": list(row.reasons or []),
                    "document_type": row.document_type,
                    "document_issuing_state": row.document_issuing_state,
                    "biometrics_deleted_at": _iso(row.biometrics_deleted_at),
                    "email_address_kept": row.id in with_address,
                }
                for row in rows
            ]
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def full_report(
    register: dict[str, Any], service: dict[str, Any], issued: datetime
) -> dict[str, Any]:
    """The JSON download: the register's part as the register gave it (its proof verifies
    with ``leveattest register verify-proof``), this service's beside it."""
    return {
        "format": REPORT_FORMAT,
        "issued_at": issued.isoformat(),
        "register": register,
        "service": service,
    }


def day_of(value: str | None, language: str) -> str:
    if not value:
        return ""
    try:
        return long_date(datetime.fromisoformat(value).date(), language)
    except ValueError:
        return value


def report_lines(report: dict[str, Any], t: Texts) -> dict[str, Any]:
    """The report as the page and the PDF show it, in one language."""
    register, service = report["register"], report["service"]
    language = t.language
    person = register.get("person") or {}
    identifier = person.get("national_id") or (
        f"{person.get('foreign_id', '')} ({person.get('issuing_state', '')})"
    )
    certificates = register.get("certificates") or []
    last = certificates[-1] if certificates else None
    return {
        "held": [
            (t(at.REPORT_NAME), register.get("full_name") or t(at.REPORT_NONE)),
            (t(at.REPORT_BIRTH), day_of(register.get("birth_date"), language) or t(at.REPORT_NONE)),
            (t(at.REPORT_IDENTIFIER), identifier),
            (
                t(at.REPORT_CERTIFICATE),
                (
                    f"{day_of(last['certified_at'], language)} ({last['document_type']}, "
                    f"{last['issuing_state']})"
                )
                if last
                else t(at.REPORT_NONE),
            ),
        ],
        "objected": (
            t(at.REPORT_OBJECTED, date=day_of(register["objected_at"], language))
            if register.get("objected_at")
            else None
        ),
        "requests": [
            t(
                at.REPORT_REQUEST_LINE,
                asked=day_of(r["requested_at"], language),
                deadline=day_of(r["deadline"], language),
            )
            for r in register.get("requests") or []
        ],
        "companies": [
            t(
                at.REPORT_COMPANY_LINE,
                company=r["company"],
                valid_to=day_of(r["valid_to"], language),
            )
            for r in register.get("relationships") or []
        ],
        "asked": [
            (
                day_of(d["at"], language) + " " + d["at"][11:16] + " UTC",
                d["company"],
                t(at.HOW_LABELS[d["action"]]) if d["action"] in at.HOW_LABELS else d["action"],
            )
            for d in register.get("disclosures") or []
        ],
        "sessions": [
            [
                t(
                    at.REPORT_SESSION_LINE,
                    started=day_of(s["started_at"], language),
                    state=t(at.STATE_LABELS[s["state"]]) if s["state"] in at.STATE_LABELS else "",
                ),
                *(
                    [
                        t(
                            at.REPORT_CONSENT_LINE,
                            date=day_of(s["consented_at"], language),
                            language=s["consent_language"] or "",
                        )
                    ]
                    if s["consented_at"]
                    else []
                ),
                *(
                    [t(at.REPORT_DELETED_LINE, date=day_of(s["biometrics_deleted_at"], language))]
                    if s["biometrics_deleted_at"]
                    else []
                ),
                *([t(at.REPORT_EMAIL_KEPT)] if s["email_address_kept"] else []),
            ]
            for s in service["sessions"]
        ],
    }


def request_lines(case: RightsCase, t: Texts) -> dict[str, Any]:
    """A rights request as the pensioner's page shows it."""
    language = t.language
    return {
        "id": case.id,
        "line": t(
            at.RIGHTS_LINE,
            kind=t(at.RIGHTS_KIND_NAMES[case.kind]),
            received=long_date(case.received_at.date(), language),
            due=long_date(case.due_on, language),
        ),
        "details": case.details,
        "answered": (
            t(at.RIGHTS_ANSWER, date=long_date(case.answered_at.date(), language))
            if case.answered_at
            else None
        ),
        "answer": case.answer,
    }


def report_pdf(
    report: dict[str, Any],
    t: Texts,
    *,
    proof_text: str,
    fonts: tuple[Path, Path],
) -> bytes:
    """The access report as an A4 PDF with DejaVu Sans embedded (æ ø å, the Sámi letters)."""
    for font in fonts:
        if not font.is_file():
            raise ConfigurationError("the report font is not installed", font=str(font))
    lines = report_lines(report, t)
    issued = datetime.fromisoformat(report["issued_at"])
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(t(at.REPORT_TITLE))
    pdf.set_lang(t.language)
    pdf.set_creation_date(datetime.combine(issued.date(), time(12), tzinfo=UTC))
    pdf.add_font("DejaVu", "", str(fonts[0]))
    pdf.add_font("DejaVu", "B", str(fonts[1]))
    pdf.add_page()
    width = 210 - 40
    pdf.set_left_margin(20)
    pdf.set_right_margin(20)

    def heading(text: str, size: int = 15) -> None:
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", size=size)
        pdf.multi_cell(width, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=12)

    def para(text: str) -> None:
        pdf.multi_cell(width, 6.5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    heading(t(at.REPORT_TITLE), 19)
    para(t(at.REPORT_ISSUED, date=long_date(issued.date(), t.language)))
    heading(t(at.REPORT_REGISTER))
    for label, value in lines["held"]:
        para(f"{label}: {value}")
    if lines["objected"]:
        para(lines["objected"])
    heading(t(at.REPORT_REQUESTS), 13)
    for line in lines["requests"] or [t(at.REPORT_NONE)]:
        para(line)
    heading(t(at.REPORT_COMPANIES), 13)
    for line in lines["companies"] or [t(at.REPORT_NONE)]:
        para(line)
    heading(t(at.REPORT_ASKED))
    for when, who, how in lines["asked"]:
        para(f"{when} · {who} · {how}")
    if not lines["asked"]:
        para(t(at.REPORT_ASKED_NONE))
    heading(t(at.REPORT_PROOF), 13)
    para(proof_text)
    heading(t(at.REPORT_SERVICE))
    for session in lines["sessions"]:
        for line in session:
            para(line)
        pdf.ln(2)
    if not lines["sessions"]:
        para(t(at.REPORT_NO_SESSIONS))
    return bytes(pdf.output())
