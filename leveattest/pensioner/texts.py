"""Every text the pensioner's pages show, as translatable messages (``leveattest.core.i18n``).

The id is the gettext context, the English sentence the source; placeholders are named
(``{deadline}``) and filled after translation. ``scripts/update_catalogs.py`` extracts
these (and the outcome texts of ``leveattest.sessions.messages``) into the catalogs of
``leveattest/locale``; ``tests/unit/test_pensioner_catalogs.py`` fails when a catalog lacks
one or a translation's placeholders differ.
"""

from __future__ import annotations

from leveattest.core.i18n import _

SITE_NAME = _("site.name", "Life certificate for your pension")
SKIP = _("site.skip", "Skip to the content")
LANGUAGE = _("site.language", "Language")
CHANGE_LANGUAGE = _("site.change_language", "Change language")
HELP = _("site.help", "Need help? Call the number in your letter.")
PROGRESS = _("site.progress", "Step {current} of {total}")

LANDING_TITLE = _("landing.title", "Prove that you are alive, for your pension")
LANDING_INTRO = _(
    "landing.intro",
    "If you receive a pension from Norway, your pension company asks for a life "
    "certificate. Here you can give it with your passport and your phone, wherever you live.",
)
LANDING_REFERENCE = _("landing.reference", "The reference in your letter")
LANDING_REFERENCE_HELP = _(
    "landing.reference_help", "You find it under the square code in the letter."
)
LANDING_OPEN = _("landing.open", "Open my letter")

NOT_FOUND_TITLE = _("lookup.not_found.title", "We could not find this letter")
NOT_FOUND_BODY = _(
    "lookup.not_found.body",
    "The reference is not right, or the letter is no longer valid. Check the letter and "
    "try again, or call the number in the letter.",
)
TOO_MANY_TITLE = _("lookup.too_many.title", "Please wait a little")
TOO_MANY_BODY = _(
    "lookup.too_many.body",
    "There were many tries from this connection. Wait ten minutes and try again.",
)

INVITE_TITLE = _("invite.title", "A request for a life certificate")
INVITE_GREETING = _("invite.greeting", "Dear {name},")
INVITE_GREETING_ANONYMOUS = _("invite.greeting_anonymous", "Dear pension recipient,")
INVITE_WHO = _("invite.who", "These pension companies have asked for your life certificate:")
INVITE_WHY = _("invite.why", "They need to know that you are alive to keep paying your pension.")
INVITE_DEADLINE = _("invite.deadline", "Please do this before {deadline}.")
INVITE_STEPS = _("invite.steps", "What will happen")
INVITE_STEP_CONSENT = _("invite.step_consent", "You read the privacy notice and say yes.")
INVITE_STEP_PAGE = _(
    "invite.step_page",
    "You take a photo of the page in your passport or ID card that has your picture.",
)
INVITE_STEP_SELFIE = _(
    "invite.step_selfie",
    "You take a short video of your face. The screen changes colour while you do it.",
)
INVITE_STEP_CHIP = _(
    "invite.step_chip",
    "You hold the document against your phone so that the app can read its chip. "
    "Then we tell you the result.",
)
INVITE_NEEDS = _("invite.needs", "What you need")
NEED_DOCUMENT = _(
    "invite.need_document",
    "Your passport or national ID card with a chip (a small gold symbol on the cover).",
)
NEED_PHONE = _("invite.need_phone", "A phone with NFC and the Leveattest app.")
NEED_TIME = _(
    "invite.need_time",
    "About ten minutes. There is no time limit: you can stop and come back later.",
)

PRIVACY_TITLE = _("privacy.title", "Privacy notice")
PRIVACY_WHO = _(
    "privacy.who",
    "The life-certificate register checks your identity on behalf of the pension "
    "companies named above.",
)
PRIVACY_WHAT = _(
    "privacy.what",
    "We use the photo of your document, the data on its chip and a short video of your "
    "face only to check that you hold the document and are alive today.",
)
PRIVACY_KEEP = _(
    "privacy.keep",
    "Photos, video and chip data are deleted at the latest {days} days after you start. "
    "The register keeps your name, birth date and the date of your life certificate for "
    "18 months.",
)
PRIVACY_RIGHTS = _(
    "privacy.rights",
    "You can see what we hold about you, ask us to correct or limit it, object, or "
    "withdraw your consent at any time. Instead of the app you can send a paper life "
    "certificate.",
)
CONSENT_LABEL = _(
    "consent.label",
    "I have read the privacy notice and I agree that my document and my face are checked.",
)
CONSENT_SUBMIT = _("consent.submit", "Yes, start")
CONSENT_REQUIRED = _("consent.required", "Please tick the box to say yes before you start.")

PREPARE_TITLE = _("prepare.title", "Get your document ready")
PREPARE_ACTION = _("prepare.action", "My document is ready")
ADVICE_FLAT = _(
    "advice.flat",
    "Put the document on a table, open it at the page with your picture and hold it flat.",
)
ADVICE_LIGHT = _("advice.light", "Use good light and avoid reflections from lamps or windows.")
ADVICE_FACE = _(
    "advice.face",
    "For the video of your face: take off glasses and hat, look at the screen and keep still.",
)

APP_TITLE = _("app.title", "Continue in the Leveattest app")
APP_BODY = _(
    "app.body",
    "Open the Leveattest app and scan this code with it. The app takes the photos and "
    "reads the chip of your document.",
)
APP_QR_ALT = _("app.qr_alt", "Code for the Leveattest app")
APP_LINK = _("app.link", "Open the app on this phone")
APP_DONE = _("app.done", "I have finished in the app")
APP_NONE = _("app.none", "No app? Your pension company can send you a paper form instead.")

STATUS_TITLE = _("status.title", "Your life certificate")
STATUS_NOT_STARTED = _("status.not_started", "You have not started yet.")
STATUS_START = _("status.start", "Start now")
STATUS_IN_PROGRESS = _(
    "status.in_progress",
    "We are checking what you sent. This usually takes a few minutes.",
)
STATUS_WITH_PERSON = _(
    "status.with_person",
    "A person is looking at what you sent. You will get an answer within {days} working days.",
)
STATUS_RETRY = _("status.retry", "Something was not clear enough. Please try again in the app.")
STATUS_WITHDRAWN = _("status.withdrawn", "You withdrew your consent. Everything was deleted.")
STATUS_EXPIRED = _(
    "status.expired", "The last attempt was not finished in time. You can start again."
)
STATUS_CHECK_AGAIN = _("status.check_again", "Check again")
STATUS_NEXT = _("status.next", "What to do next")

ERROR_TITLE = _("error.title", "Something went wrong")
ERROR_BODY = _("error.body", "Please try again later. Your letter is still valid.")

EMAIL_LABEL = _("consent.email_label", "E-mail address for the answer (you may leave it empty)")
EMAIL_HINT = _("consent.email_hint", "We use it only to tell you the result, and then delete it.")
EMAIL_INVALID = _(
    "consent.email_invalid",
    "This does not look like an e-mail address. Correct it or leave the field empty.",
)

WITHDRAW_TITLE = _("withdraw.title", "Withdraw your consent")
WITHDRAW_BODY = _(
    "withdraw.body",
    "If you withdraw, we stop and delete your photos, video and chip data. You can start "
    "again later with the same letter.",
)
WITHDRAW_BUTTON = _("withdraw.button", "Withdraw my consent")
WITHDRAW_DONE = _("withdraw.done", "Your consent is withdrawn. Receipt number: {receipt}")
