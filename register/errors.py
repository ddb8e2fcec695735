"""Register errors: each has a stable ``code`` (``register_*``) and an HTTP status.

``audit_action`` names the audit event written when the error refuses a company's
request (``source:subject:action``). ``oauth_error`` is the RFC 6749 §5.2 error code
returned alongside the problem document by the token endpoint.
"""

from __future__ import annotations

from typing import ClassVar

from leveattest.core.errors import LeveattestError


class RegisterError(LeveattestError):
    """The register could not process the request."""

    code = "register_error"
    audit_action: ClassVar[str] = "company:request:refused"


class ClientAuthenticationError(RegisterError):
    """The client assertion was not accepted."""

    code = "register_invalid_client"
    http_status = 401
    audit_action = "company:token:refused"
    oauth_error = "invalid_client"


class UnknownClientError(ClientAuthenticationError):
    """The client or its key is not registered or not active."""

    code = "register_unknown_client"


class AssertionSignatureError(ClientAuthenticationError):
    """The client assertion signature does not verify against the registered key."""

    code = "register_assertion_signature_invalid"


class AssertionMalformedError(ClientAuthenticationError):
    """The client assertion is not a well-formed signed JWT."""

    code = "register_assertion_malformed"


class AssertionExpiredError(ClientAuthenticationError):
    """The client assertion has expired."""

    code = "register_assertion_expired"


class AssertionNotYetValidError(ClientAuthenticationError):
    """The client assertion is issued in the future (beyond the allowed clock skew)."""

    code = "register_assertion_not_yet_valid"


class AssertionLifetimeError(ClientAuthenticationError):
    """The client assertion is valid for longer than allowed."""

    code = "register_assertion_lifetime_too_long"


class AssertionAudienceError(ClientAuthenticationError):
    """The client assertion is not addressed to this token endpoint."""

    code = "register_assertion_wrong_audience"


class AssertionClaimsError(ClientAuthenticationError):
    """The client assertion lacks iss = sub = client_id, exp, iat or jti."""

    code = "register_assertion_claims_invalid"


class AssertionReplayedError(ClientAuthenticationError):
    """The client assertion's jti has been used before."""

    code = "register_assertion_replayed"


class UnsupportedGrantError(RegisterError):
    """Only the client_credentials grant with a jwt-bearer client assertion is supported."""

    code = "register_unsupported_grant_type"
    http_status = 400
    audit_action = "company:token:refused"
    oauth_error = "unsupported_grant_type"


class InvalidScopeError(RegisterError):
    """A requested scope is unknown or not granted to this company."""

    code = "register_invalid_scope"
    http_status = 400
    audit_action = "company:token:refused"
    oauth_error = "invalid_scope"


class InvalidTokenError(RegisterError):
    """The access token is missing, invalid or expired."""

    code = "register_invalid_token"
    http_status = 401
    bearer_error = "invalid_token"
    audit_action = "company:auth:refused"


class InsufficientScopeError(RegisterError):
    """The access token does not carry the scope this operation needs."""

    code = "register_insufficient_scope"
    http_status = 403
    audit_action = "company:auth:refused"


class NotFoundError(RegisterError):
    """No record that can be disclosed to this company."""

    code = "register_not_found"
    http_status = 404
    audit_action = "company:status:refused"


class NationalIdInvalidError(RegisterError):
    """The person identifier is malformed or its control digits are wrong."""

    code = "register_person_id_invalid"
    http_status = 422
    audit_action = "company:person_id:refused"


class RegisterInputError(RegisterError):
    """The request body could not be read."""

    code = "register_request_invalid"
    http_status = 422


class BatchTooLargeError(RegisterError):
    """The batch holds more persons than allowed."""

    code = "register_batch_too_large"
    http_status = 413
    audit_action = "company:batch:refused"


class CursorInvalidError(RegisterError):
    """The changes cursor is malformed, tampered with or belongs to another company."""

    code = "register_cursor_invalid"
    http_status = 400
    audit_action = "company:changes:refused"


class PaymentStatementError(RegisterError):
    """The payment statement was not accepted."""

    code = "register_payment_statement_invalid"
    http_status = 422
    audit_action = "company:relationship:refused"


class PaymentStatementStaleError(PaymentStatementError):
    """The payment statement's latest payment period is too old or in the future."""

    code = "register_payment_statement_stale"


class CertificateRecordError(RegisterError):
    """The certificate record could not be accepted."""

    code = "register_certificate_invalid"
    audit_action = "verification:certificate:refused"


class DisclosureLogUnavailableError(RegisterError):
    """The disclosure could not be written to the log, so nothing was disclosed."""

    code = "register_disclosure_log_unavailable"
    http_status = 503


class LetterFontMissingError(RegisterError):
    """The font the PDF letters embed is not installed (``scripts/setup.sh`` installs
    fonts-dejavu-core); no letter is made without it."""

    code = "register_letter_font_missing"
    http_status = 503
