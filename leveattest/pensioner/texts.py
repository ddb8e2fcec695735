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

# -- capture in the browser (the data page and the selfie under the colour challenge) ----
PAGE_TITLE = _("page.title", "Take a photo of your document")
PAGE_BODY = _(
    "page.body",
    "Open your passport or ID card at the page with your picture and put it flat on a "
    "table, in good light.",
)
PAGE_CAMERA = _("page.camera", "Use the camera")
PAGE_GUIDE = _(
    "page.guide", "Hold the phone above the page so that the whole page fills the frame."
)
PAGE_SHOOT = _("page.shoot", "Take the photo")
PAGE_FILE_LABEL = _("page.file_label", "Or choose a photo of the page")
PAGE_FILE_HINT = _("page.file_hint", "A photo taken with your phone's camera app is fine.")
PAGE_SEND = _("page.send", "Send the photo")
PAGE_SENT = _("page.sent", "Thank you. The photo of your document has arrived.")

SELFIE_TITLE = _("selfie.title", "A short video of your face")
SELFIE_STEP_HOLD = _(
    "selfie.step_hold", "Hold the phone in front of your face, as far away as your arm reaches."
)
SELFIE_STEP_COLOURS = _(
    "selfie.step_colours",
    "The screen changes colour for a few seconds. Keep looking at it and keep still.",
)
SELFIE_STEP_MOVE = _("selfie.step_move", "Then do what the screen says: turn your head, or blink.")
SELFIE_START = _("selfie.start", "Start the video")
SELFIE_NO_SCRIPT = _(
    "selfie.no_script",
    "This step needs JavaScript in your browser. Without it, continue in the Leveattest "
    "app: it takes the video for you.",
)
SELFIE_COUNTDOWN = _(
    "selfie.countdown", "Look at the screen and keep still. The colours start in {seconds}."
)
SELFIE_KEEP_STILL = _("selfie.keep_still", "Keep looking at the screen.")
SELFIE_TURN_LEFT = _("selfie.turn_left", "Now turn your head slowly to your left.")
SELFIE_TURN_RIGHT = _("selfie.turn_right", "Now turn your head slowly to your right.")
SELFIE_BLINK = _("selfie.blink", "Now close your eyes once and open them again.")
SELFIE_DONE = _("selfie.done", "Thank you. You can put the phone down.")
SELFIE_SENDING = _("selfie.sending", "Sending the video: {done} of {total}.")
SELFIE_SENT = _("selfie.sent", "Thank you. Your video has arrived.")
CAPTURE_RETRY = _("capture.retry", "Try again")
CAPTURE_IN_APP = _("capture.in_app", "No camera, or it does not work? Continue in the app instead.")

# an upload refused, a camera that may not be used: said in plain words on the page
PROBLEM_TOO_LARGE = _(
    "problem.too_large", "The photo is too large. Take it again, or choose a smaller photo."
)
PROBLEM_TYPE = _("problem.type", "We cannot read this file. Please send a photo (JPEG or PNG).")
PROBLEM_TRUNCATED = _("problem.truncated", "The photo did not arrive whole. Please send it again.")
PROBLEM_MISSING = _("problem.missing", "Please choose a photo first.")
PROBLEM_CLOSED = _(
    "problem.closed",
    "This step is closed now. Open the page about your life certificate to see what to do.",
)
PROBLEM_EXPIRED = _(
    "problem.expired", "Too much time has passed. Please start again from your letter."
)
PROBLEM_CHALLENGE = _(
    "problem.challenge", "The video took too long to send. Please record it again."
)
PROBLEM_FRAMES = _("problem.frames", "The video did not come out right. Please record it again.")
PROBLEM_NETWORK = _(
    "problem.network", "The connection was lost. Check your internet connection and try again."
)
PROBLEM_CAMERA_DENIED = _(
    "problem.camera_denied",
    "The browser may not use the camera. Allow the camera in the browser's settings, or "
    "continue in the app.",
)
PROBLEM_NO_CAMERA = _(
    "problem.no_camera", "We could not find a camera on this device. Please continue in the app."
)
PROBLEM_OTHER = _("problem.other", "Something went wrong. Please try again.")

# the problem codes of the upload API (leveattest.sessions.errors, leveattest.core.errors)
PROBLEMS_BY_CODE = {
    "upload_too_large": PROBLEM_TOO_LARGE,
    "upload_unsupported_type": PROBLEM_TYPE,
    "upload_truncated": PROBLEM_TRUNCATED,
    "request_invalid": PROBLEM_MISSING,
    "consent_required": PROBLEM_CLOSED,
    "session_state_conflict": PROBLEM_CLOSED,
    "session_not_found": PROBLEM_CLOSED,
    "session_token_missing": PROBLEM_CLOSED,
    "session_expired": PROBLEM_EXPIRED,
    "challenge_expired": PROBLEM_CHALLENGE,
    "challenge_reused": PROBLEM_CHALLENGE,
    "challenge_unknown": PROBLEM_CHALLENGE,
    "upload_count_exceeded": PROBLEM_FRAMES,
    "network": PROBLEM_NETWORK,
    "camera_denied": PROBLEM_CAMERA_DENIED,
    "no_camera": PROBLEM_NO_CAMERA,
    "other": PROBLEM_OTHER,
}

APP_CHIP_BODY = _(
    "app.chip_body",
    "Your photos have arrived. Now open the Leveattest app and scan this code with it: "
    "the app reads the chip of your document.",
)
