"""The texts of "my data": the birth-date check, the access report (page and PDF) and the
rights requests. Translatable messages like ``leveattest.pensioner.texts``."""

from __future__ import annotations

from leveattest.core.i18n import _

MYDATA_LINK = _("mydata.link", "See my data and my rights")
MYDATA_TITLE = _("mydata.title", "Your data and your rights")
MYDATA_INTRO = _(
    "mydata.intro",
    "To see what we hold about you, write your birth date. It shows that the letter is yours.",
)
MYDATA_DAY = _("mydata.day", "Day")
MYDATA_MONTH = _("mydata.month", "Month")
MYDATA_YEAR = _("mydata.year", "Year")
MYDATA_BIRTH = _("mydata.birth", "Your birth date")
MYDATA_SUBMIT = _("mydata.submit", "Show my data")
MYDATA_WRONG = _(
    "mydata.wrong",
    "The birth date does not fit this letter. Check it and try again.",
)

REPORT_TITLE = _("report.title", "What we hold about you")
REPORT_REGISTER = _("report.register", "In the life-certificate register")
REPORT_NAME = _("report.name", "Name")
REPORT_BIRTH = _("report.birth", "Birth date")
REPORT_IDENTIFIER = _("report.identifier", "Identity number (partly hidden)")
REPORT_CERTIFICATE = _("report.certificate", "Last life certificate")
REPORT_NONE = _("report.none", "None")
REPORT_REQUESTS = _("report.requests", "Requests for a life certificate")
REPORT_REQUEST_LINE = _("report.request_line", "Asked on {asked}, answer by {deadline}")
REPORT_COMPANIES = _("report.companies", "Pension companies that pay you")
REPORT_COMPANY_LINE = _("report.company_line", "{company}, valid until {valid_to}")
REPORT_OBJECTED = _("report.objected", "You objected on {date}.")
REPORT_ASKED = _("report.asked", "Who asked about you, and when")
REPORT_ASKED_NONE = _("report.asked_none", "No pension company has asked about you yet.")
REPORT_WHEN = _("report.when", "When")
REPORT_WHO = _("report.who", "Pension company")
REPORT_HOW = _("report.how", "How")
REPORT_HOW_STATUS = _("report.how_status", "Asked about you alone")
REPORT_HOW_BATCH = _("report.how_batch", "Asked in a list of many")
REPORT_HOW_CHANGES = _("report.how_changes", "Was told of a change")
REPORT_PROOF = _("report.proof", "Proof")
REPORT_PROOF_OK = _(
    "report.proof_ok",
    "Checked: each line above is in the register's sealed log ({entries} entries). The "
    "download contains the proof, so anyone can check it again.",
)
REPORT_PROOF_BAD = _(
    "report.proof_bad", "The proof could not be checked. Please call the number in your letter."
)
REPORT_SERVICE = _("report.service", "In this service")
REPORT_SESSION_LINE = _("report.session_line", "Started on {started}: {state}")
REPORT_CONSENT_LINE = _("report.consent_line", "Consent given on {date}, language {language}")
REPORT_DELETED_LINE = _("report.deleted_line", "Photos, video and chip data deleted on {date}")
REPORT_EMAIL_KEPT = _(
    "report.email_kept", "We keep the e-mail address you gave until we have sent the answer."
)
REPORT_NO_SESSIONS = _("report.no_sessions", "You have not started with this letter.")
REPORT_PDF = _("report.pdf", "Download as PDF")
REPORT_JSON = _("report.json", "Download all data (JSON file)")
REPORT_ISSUED = _("report.issued", "Made on {date}")

STATE_LABELS = {
    "awaiting_consent": _("state.awaiting_consent", "not started"),
    "collecting": _("state.collecting", "waiting for your photos and chip"),
    "received": _("state.received", "being checked"),
    "analysing": _("state.analysing", "being checked"),
    "needs_review": _("state.needs_review", "with a person"),
    "retry_requested": _("state.retry_requested", "try again"),
    "approved": _("state.approved", "approved"),
    "rejected": _("state.rejected", "not approved"),
    "withdrawn": _("state.withdrawn", "withdrawn"),
    "expired": _("state.expired", "not finished in time"),
}
HOW_LABELS = {
    "status": REPORT_HOW_STATUS,
    "batch": REPORT_HOW_BATCH,
    "changes": REPORT_HOW_CHANGES,
}

RIGHTS_TITLE = _("rights.title", "Your rights")
RIGHTS_INTRO = _(
    "rights.intro",
    "You can ask us to correct wrong data, to limit how we use it, or object to the "
    "digital life certificate. We answer within one month.",
)
RIGHTS_KIND = _("rights.kind", "What do you want?")
RIGHTS_OBJECTION = _(
    "rights.objection",
    "I object: I do not want the digital life certificate and will use a paper one.",
)
RIGHTS_RECTIFICATION = _("rights.rectification", "Correct data about me that is wrong.")
RIGHTS_RESTRICTION = _("rights.restriction", "Limit how my data is used while it is checked.")
RIGHTS_DETAILS = _("rights.details", "Tell us more (you may leave it empty)")
RIGHTS_SUBMIT = _("rights.submit", "Send my request")
RIGHTS_CHOOSE = _("rights.choose", "Please choose what you want.")
RIGHTS_YOURS = _("rights.yours", "Your requests")
RIGHTS_LINE = _("rights.line", "{kind} — received {received}, answer by {due}")
RIGHTS_WAITING = _("rights.waiting", "We are working on it.")
RIGHTS_ANSWER = _("rights.answer", "Our answer ({date}):")
RIGHTS_SENT = _(
    "rights.sent", "We have received your request. We answer here by {due} at the latest."
)
RIGHTS_KINDS = {
    "objection": RIGHTS_OBJECTION,
    "rectification": RIGHTS_RECTIFICATION,
    "restriction": RIGHTS_RESTRICTION,
}
RIGHTS_KIND_NAMES = {
    "objection": _("rights.name_objection", "Objection"),
    "rectification": _("rights.name_rectification", "Correction"),
    "restriction": _("rights.name_restriction", "Limitation"),
}
