"""Errors of the review console, each with a stable code (rendered as an HTML problem page)."""

from __future__ import annotations

from leveattest.core.errors import InputError, LeveattestError


class ReviewError(LeveattestError):
    """The review console cannot do this."""

    code = "review_error"
    http_status = 409


class NotSignedInError(ReviewError):
    """Sign in first."""

    code = "review_not_signed_in"
    http_status = 401


class SignInFailedError(ReviewError):
    """The user name, password or one-time code is not right."""

    code = "review_sign_in_failed"
    http_status = 401


class CsrfError(ReviewError):
    """The form is stale or was not sent by this console; reload the page."""

    code = "review_csrf_invalid"
    http_status = 403


class ForbiddenError(ReviewError):
    """Your role does not allow this."""

    code = "review_forbidden"
    http_status = 403


class CaseNotFoundError(ReviewError):
    """No such case waiting for review."""

    code = "review_case_not_found"
    http_status = 404


class NotClaimedError(ReviewError):
    """Claim the case before viewing its personal data or deciding it."""

    code = "review_not_claimed"
    http_status = 403


class ClaimTakenError(ReviewError):
    """Another reviewer holds this case."""

    code = "review_claim_taken"
    http_status = 409


class FourEyesError(ReviewError):
    """A rejection needs a second person: a senior reviewer other than the proposer."""

    code = "review_four_eyes_required"
    http_status = 403


class ImageUrlError(ReviewError):
    """The image link is invalid or has expired; reload the case page."""

    code = "review_image_url_invalid"
    http_status = 403


class ImageGoneError(ReviewError):
    """The image is no longer held (biometrics were deleted)."""

    code = "review_image_gone"
    http_status = 410


class RetryUnavailableError(ReviewError):
    """The pensioner has no attempts left; approve or reject instead."""

    code = "review_retry_unavailable"


class ReasonRequiredError(InputError):
    """A reason is required (and must not be longer than allowed)."""

    code = "review_reason_required"


class AccountError(InputError):
    """The staff account cannot be created."""

    code = "review_account_invalid"
