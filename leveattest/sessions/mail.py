"""The outcome by e-mail, for pensioners who gave an address (issue 13): optional, sealed
at rest, sent over SMTP and deleted once sent; neither the address nor the message is
logged (only the session's fingerprint and a count).

:func:`remember_address` runs when the pensioner consents on the web page;
:func:`send_outcome_mail` takes the notification outbox's unsent rows that have an address
(``leveattest.sessions.notifications``), sends each in the consent language, marks the row
sent and deletes the address in the same transaction. A row without an address stays for
the other channels (the letter).
"""

from __future__ import annotations

import json
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from leveattest.contracts.sessions import OutcomeCode
from leveattest.core.i18n import _
from leveattest.core.logging import fingerprint, get_logger
from leveattest.core.settings import MailSettings
from leveattest.sessions.context import SessionContext
from leveattest.sessions.messages import OUTCOMES, translate
from leveattest.sessions.models import (
    NotificationOutbox,
    PensionerContact,
    SessionState,
    VerificationSession,
)
from leveattest.storage.envelope import MasterKey

log = get_logger("leveattest.sessions.mail")
MAX_ADDRESS = 254  # RFC 5321 path limit

SUBJECT = _("mail.subject", "Your life certificate")
STATUS_LINK = _("mail.status_link", "See the status at any time: {url}")
NO_REPLY = _("mail.no_reply", "This message was sent automatically. Please do not reply.")


Sender = Callable[[EmailMessage], None]


def valid_address(address: str) -> bool:
    """A plausible single address: one @, no spaces or header characters, bounded."""
    local, at, domain = address.partition("@")
    return (
        bool(at)
        and 0 < len(address) <= MAX_ADDRESS
        and bool(local)
        and "." in domain
        and "@" not in domain
        and not any(c.isspace() or c in '<>,;:"()[]\\' for c in address)
        and address.isprintable()
    )


def contact_context(session_id: str) -> str:
    return f"contact:{session_id}"


def remember_address(
    db: Session, ctx: SessionContext, session_id: str, address: str, reference: str
) -> None:
    """Keep the address (with the letter's reference, for the status link) sealed for this
    session's outcome (caller commits)."""
    master = MasterKey.from_ring(ctx.keyring)
    plain = json.dumps({"address": address, "reference": reference}).encode()
    db.merge(
        PensionerContact(
            session_id=session_id,
            email_sealed=master.wrap(plain, context=contact_context(session_id)),
            created_at=ctx.clock.now(),
        )
    )


def smtp_sender(settings: MailSettings) -> Sender:
    def send(message: EmailMessage) -> None:
        assert settings.smtp_host is not None
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds
        ) as smtp:
            if settings.starttls:
                smtp.starttls()
            smtp.send_message(message)

    return send


def compose(
    settings: MailSettings, address: str, outcome: OutcomeCode, language: str, reference: str
) -> EmailMessage:
    message_text, next_step = OUTCOMES[outcome]
    body = "\n\n".join(
        [
            translate(message_text, language),
            translate(next_step, language),
            translate(STATUS_LINK, language).format(
                url=settings.status_url_base + reference + "/status"
            ),
            translate(NO_REPLY, language),
        ]
    )
    mail = EmailMessage()
    mail["Subject"] = translate(SUBJECT, language)
    mail["From"] = settings.sender
    mail["To"] = address
    mail["Content-Language"] = language
    mail["Message-ID"] = make_msgid(domain=settings.sender.partition("@")[2] or None)
    mail.set_content(body)
    return mail


def send_outcome_mail(
    ctx: SessionContext, settings: MailSettings, sender: Sender | None = None
) -> int:
    """Send the queued outcomes that have an address; returns how many were sent. A send
    that fails leaves the row and the address for the next run."""
    if settings.smtp_host is None and sender is None:
        return 0
    send = sender or smtp_sender(settings)
    master = MasterKey.from_ring(ctx.keyring)
    sent = 0
    with ctx.unit_of_work() as db:
        due = db.execute(
            select(NotificationOutbox, PensionerContact)
            .join(PensionerContact, PensionerContact.session_id == NotificationOutbox.session_id)
            .where(NotificationOutbox.sent_at.is_(None))
            .order_by(NotificationOutbox.id)
            .limit(settings.batch)
        ).all()
        for row, contact in due:
            held = json.loads(
                master.unwrap(contact.email_sealed, context=contact_context(row.session_id))
            )
            mail = compose(
                settings,
                str(held["address"]),
                OutcomeCode(row.outcome),
                row.language or "en",
                str(held["reference"]),
            )
            mail["Date"] = format_datetime(ctx.clock.now())
            try:
                send(mail)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning(
                    "mail.failed", session=fingerprint(row.session_id), error=type(exc).__name__
                )
                continue
            row.sent_at = ctx.clock.now()
            db.delete(contact)
            sent += 1
            log.info("mail.sent", session=fingerprint(row.session_id), outcome=row.outcome)
    return sent


def forget_stale_addresses(ctx: SessionContext, settings: MailSettings) -> int:
    """Delete the addresses of withdrawn sessions and those older than
    ``keep_address_days``; returns how many."""
    cutoff = ctx.clock.now() - timedelta(days=settings.keep_address_days)
    with ctx.unit_of_work() as db:
        stale = db.scalars(
            select(PensionerContact.session_id)
            .join(VerificationSession, VerificationSession.id == PensionerContact.session_id)
            .where(
                or_(
                    PensionerContact.created_at < cutoff,
                    VerificationSession.state == SessionState.WITHDRAWN,
                )
            )
        ).all()
        if stale:
            db.execute(delete(PensionerContact).where(PensionerContact.session_id.in_(stale)))
    return len(stale)
