"""Errors of the session API, each with a stable code (mapped to problem+json)."""

from __future__ import annotations

from leveattest.core.errors import (
    InputError,
    InputTooLargeError,
    LeveattestError,
    UnsupportedFormatError,
)


class SessionError(LeveattestError):
    """The verification session cannot do this."""

    code = "session_error"
    http_status = 409


class SessionNotFoundError(SessionError):
    """No such session (or the access token does not belong to it)."""

    code = "session_not_found"
    http_status = 404


class SessionTokenMissingError(SessionError):
    """The session access token is missing."""

    code = "session_token_missing"
    http_status = 401


class InvitationInvalidError(SessionError):
    """The invitation is unknown, its deadline has passed or its requests are fulfilled."""

    code = "invitation_invalid"
    http_status = 404


class InvitationInProgressError(SessionError):
    """A session from this letter is being analysed or reviewed; wait for its outcome."""

    code = "invitation_in_progress"
    http_status = 409


class InvitationDailyLimitError(SessionError):
    """This letter has started as many sessions today as allowed; try again tomorrow."""

    code = "invitation_daily_limit"
    http_status = 429


class KnownPersonStartDisabledError(SessionError):
    """Starting a session without an invitation is not enabled here."""

    code = "known_person_start_disabled"
    http_status = 403


class ConsentRequiredError(SessionError):
    """Consent must be given before anything is uploaded or processed."""

    code = "consent_required"


class ConsentInvalidError(InputError):
    """The privacy notice version or language is not one we offer."""

    code = "consent_invalid"


class SessionStateError(SessionError):
    """The session is not in a state that allows this."""

    code = "session_state_conflict"


class SessionIncompleteError(SessionError):
    """Required parts are missing; upload them before submitting."""

    code = "session_incomplete"


class SessionExpiredError(SessionError):
    """The session has expired; start a new one from the letter."""

    code = "session_expired"
    http_status = 410


class RetryNotAvailableError(SessionError):
    """No retry is available for this session."""

    code = "retry_not_available"


class UploadPartUnknownError(InputError):
    """No such upload part."""

    code = "upload_part_unknown"
    http_status = 404


class UploadTooLargeError(InputTooLargeError):
    """The upload is larger than allowed for this part."""

    code = "upload_too_large"


class UploadTypeError(UnsupportedFormatError):
    """The upload's content type or content does not match the part."""

    code = "upload_unsupported_type"


class UploadTruncatedError(InputError):
    """The upload is incomplete (truncated)."""

    code = "upload_truncated"


class UploadLimitError(InputError):
    """Too many uploads of this kind."""

    code = "upload_count_exceeded"


class NonceUnknownError(SessionError):
    """The Active Authentication nonce was not issued for this session attempt."""

    code = "aa_nonce_unknown"


class NonceExpiredError(SessionError):
    """The Active Authentication nonce has expired; ask for a new attempt."""

    code = "aa_nonce_expired"
    http_status = 410


class NonceReusedError(SessionError):
    """The Active Authentication nonce was already used."""

    code = "aa_nonce_reused"


class ReviewStateError(SessionError):
    """The session is not waiting for a review."""

    code = "review_not_pending"


class JobLeaseLostError(LeveattestError):
    """The job's lease expired and another worker took it over."""

    code = "job_lease_lost"
