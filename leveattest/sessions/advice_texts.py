"""The pipeline's retry advice as translatable messages, so the pensioner's status page
shows why to try again in their language.

The pipeline and the face engine keep writing the English sentence into the session
(``verification_sessions.advice``; the phone app gets it as before); here each sentence
they can produce is a message whose English source is exactly that sentence, and
``translate_advice`` looks it up. A test (tests/unit/test_advice_texts.py) enumerates the
sentences the pipeline can produce and fails when one has no message here. Advice a
reviewer typed is shown as written.
"""

from __future__ import annotations

from leveattest.core.i18n import Message, _, translate

RETRY_ADVICE: tuple[Message, ...] = (
    _(
        "retry.chip",
        "Reading the passport chip did not finish — hold the passport flat against the back "
        "of the phone and keep it still until the app says it is done.",
    ),
    _("retry.page_missing", "We did not receive a photo of the passport page — please take one."),
    _(
        "retry.mrz_unreadable",
        "The two lines of letters at the bottom of the passport page could not be read — "
        "please retake the photo in good light, with the whole page sharp and no glare.",
    ),
    _(
        "retry.page_unreadable",
        "The photo of the passport page could not be opened — please take it again.",
    ),
    _(
        "retry.challenge_not_followed",
        "The short video did not show the movement the app asked for — please try again and "
        "follow the instruction on the screen.",
    ),
    _("retry.challenge_expired", "The video check took too long — please start it again."),
    _("retry.challenge_again", "The video check must be started again — please try once more."),
    _("retry.video_missing", "We did not receive the short video — please record it again."),
    _(
        "retry.video_unusable",
        "The short video could not be used — keep your face in the middle of the screen, in "
        "good light, until the screen stops changing colour.",
    ),
    _("retry.selfie_missing", "We did not receive your selfie — please take one."),
    _("retry.selfie_unreadable", "The selfie could not be opened — please take it again."),
    _(
        "retry.no_face",
        "No face was found — hold the phone at arm's length and look straight at it.",
    ),
    _(
        "retry.multiple_faces",
        "More than one face is visible — make sure only you are in the picture.",
    ),
    _("retry.face_too_small", "Your face is too small in the picture — hold the phone closer."),
    _("retry.too_dark", "The photo is too dark — move to a brighter place."),
    _(
        "retry.too_bright",
        "The photo is too bright — move out of direct sunlight or away from a lamp.",
    ),
    _("retry.blurred", "The photo is blurred — hold the phone still and wipe the camera lens."),
    _(
        "retry.eyes_not_visible",
        "Your eyes are not clearly visible — open your eyes, take off sunglasses.",
    ),
    _("retry.pose", "Your head is turned or tilted — look straight at the phone."),
    _(
        "retry.page_no_portrait",
        "No portrait was found on the photo page — photograph the whole page.",
    ),
    _(
        "retry.page_portrait_small",
        "The portrait on the page is too small — hold the phone closer to it.",
    ),
    _("retry.page_too_dark", "The page photo is too dark — photograph it in a brighter place."),
    _("retry.page_too_bright", "The page photo is too bright — avoid reflections on the page."),
    _("retry.page_blurred", "The page photo is blurred — hold the phone still over the page."),
)
_BY_SOURCE = {message.source: message for message in RETRY_ADVICE}


def advice_message(text: str) -> Message | None:
    return _BY_SOURCE.get(text)


def translate_advice(text: str, language: str) -> str:
    """The advice in ``language`` when it is one of the pipeline's sentences, else as it
    was written (a reviewer's own words)."""
    message = _BY_SOURCE.get(text)
    return translate(message, language) if message is not None else text
