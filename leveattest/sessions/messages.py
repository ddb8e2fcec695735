"""What the pensioner is told about the outcome of a session, and what to do next.

Every text is translatable (``leveattest.core.i18n``); the phone gets the message ids
with the texts in the session's consent language.
"""

from __future__ import annotations

from leveattest.contracts.sessions import OutcomeCode
from leveattest.core.i18n import Message, _, translate

__all__ = ["OUTCOMES", "REGISTER_KEEPS_REASON", "Message", "OutcomeCode", "translate"]


_MANUAL_CERTIFICATE = _(
    "outcome.next.manual_certificate",
    "You can still prove that you are alive with a paper life certificate: have the form "
    "signed by a notary, the police, an embassy or a consulate where you live, and send it "
    "to the life-certificate register at the address in your letter. The register then "
    "tells every pension company that pays you.",
)

# outcome -> (what happened, what to do next)
OUTCOMES: dict[OutcomeCode, tuple[Message, Message]] = {
    OutcomeCode.APPROVED: (
        _(
            "outcome.approved.message",
            "Your life certificate is confirmed. Every pension company that pays you can "
            "now see it in the life-certificate register.",
        ),
        _(
            "outcome.next.nothing",
            "You do not need to do anything more until you receive the next request.",
        ),
    ),
    OutcomeCode.REJECTED: (
        _(
            "outcome.rejected.message",
            "We could not confirm your life certificate with the app.",
        ),
        _MANUAL_CERTIFICATE,
    ),
    OutcomeCode.DEADLINE_PASSED: (
        _(
            "outcome.deadline_passed.message",
            "The deadline in your letter has passed before a life certificate was confirmed.",
        ),
        _MANUAL_CERTIFICATE,
    ),
}

REGISTER_KEEPS_REASON = _(
    "withdrawal.register_keeps",
    "Your photos, chip data and the results of the checks are deleted. Your life certificate "
    "was already recorded in the life-certificate register before you withdrew: the register "
    "keeps your name, birth date, identifier and the date, document type and method of the "
    "certificate, because your pension companies rely on it to keep paying you. It deletes "
    "them 18 months after the certificate; ask the register for your person report or to "
    "object.",
)
