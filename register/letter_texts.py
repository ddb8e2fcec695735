"""The texts of the invitation and reminder letter (``register.letters``), translatable
(``leveattest.core.i18n``; the catalogs are in ``leveattest/locale``)."""

from __future__ import annotations

from leveattest.core.i18n import _

SENDER = _("letter.sender", "The life-certificate register")
TITLE = _("letter.title", "Request for a life certificate")
REMINDER_TITLE = _("letter.reminder_title", "Reminder {number}: request for a life certificate")
TO_ANONYMOUS = _("letter.to_anonymous", "To the pension recipient")
DATE = _("letter.date", "Date: {date}")
BODY = _(
    "letter.body",
    "Your pension company has asked for a new life certificate. It shows that you are "
    "alive, so that your pension can still be paid.",
)
HOW = _(
    "letter.how",
    "Scan the code with the camera of your phone, or open the web address below and type "
    "your reference. The page guides you step by step, in your language.",
)
DEADLINE = _("letter.deadline", "Please do this before {deadline}.")
REFERENCE = _("letter.reference", "Your reference: {reference}")
ADDRESS = _("letter.address", "Web address: {url}")
PAPER = _(
    "letter.paper",
    "If you cannot use a phone, you can send a paper life certificate signed by a notary, "
    "the police, an embassy or a consulate.",
)
