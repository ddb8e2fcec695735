"""The exception tree: exceptions mean *we* could not process something.

A bad document (tampered, expired, unknown issuer) is not an exception; it is a
``CheckResult`` with a failed verdict. Exceptions are for input we cannot read at
all, missing configuration, missing models or a database that is down. Every
error has a stable ``code`` (safe to show, log and match on) and an HTTP status.
The class docstring's first line is the default message.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LeveattestError(Exception):
    """The request could not be processed."""

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500
    # published with the problem for OAuth clients (RFC 6749 §5.2 ``error``) and in a 401's
    # Bearer challenge (RFC 6750 §3); only the register's errors set them
    oauth_error: ClassVar[str | None] = None
    bearer_error: ClassVar[str | None] = None

    def __init__(self, message: str | None = None, **context: Any) -> None:
        doc = (type(self).__doc__ or "").strip().splitlines()
        self.message = message or (doc[0] if doc else self.code)
        # context must never hold personal data: codes, sizes, offsets, fingerprints only
        self.context = context
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.context}


class ConfigurationError(LeveattestError):
    """The service is not configured correctly."""

    code = "configuration_error"


class InsecureConfigurationError(ConfigurationError):
    """A default or missing secret or an insecure backend was configured for production."""

    code = "insecure_configuration"


class ExtraNotInstalledError(ConfigurationError):
    """This part of leveattest needs an optional extra that is not installed."""

    code = "extra_not_installed"


class InputError(LeveattestError):
    """The input could not be read."""

    code = "input_invalid"
    http_status = 422


class InputTooLargeError(InputError):
    """The input is larger than allowed."""

    code = "input_too_large"
    http_status = 413


class UnsupportedFormatError(InputError):
    """The input is in a format we do not support."""

    code = "input_unsupported_format"
    http_status = 415


class MRZError(InputError):
    """No machine-readable zone could be read."""

    code = "mrz_unreadable"


class ImageError(InputError):
    """The image could not be decoded."""

    code = "image_unreadable"


class ChipDataError(InputError):
    """A chip data file could not be parsed."""

    code = "chip_data_malformed"


class ChipStructureError(ChipDataError):
    """A chip data file is not well-formed ASN.1 / BER-TLV."""

    code = "chip_asn1_malformed"


class ChipNestingError(ChipStructureError):
    """A chip data file nests ASN.1 structures deeper than allowed."""

    code = "chip_asn1_too_deep"


class ChipTrailingDataError(ChipStructureError):
    """A chip data file has bytes after its outermost structure."""

    code = "chip_trailing_data"


class ChipUnexpectedTagError(ChipStructureError):
    """A chip data file does not start with the tag its type requires."""

    code = "chip_unexpected_tag"


class ChipUnexpectedContentError(ChipDataError):
    """A chip data file holds a structure or version we do not accept."""

    code = "chip_unexpected_content"


class ChipUnsupportedAlgorithmError(ChipDataError):
    """A chip data file uses an algorithm or curve we do not support."""

    code = "chip_unsupported_algorithm"


class ChipDataTooLargeError(InputTooLargeError):
    """A chip data file is larger than allowed."""

    code = "chip_data_too_large"


class TrustStoreError(LeveattestError):
    """The trust store could not be loaded or is empty."""

    code = "trust_store_unavailable"
    http_status = 503


class ModelError(LeveattestError):
    """A model file is missing or does not match its recorded checksum."""

    code = "model_unavailable"
    http_status = 503


class SampleGenerationError(LeveattestError):
    """Sample documents could not be generated."""

    code = "sample_generation_failed"


class ChallengeError(InputError):
    """The liveness challenge cannot be used."""

    code = "challenge_invalid"
    http_status = 409


class ChallengeUnknownError(ChallengeError):
    """No such liveness challenge was issued for this session."""

    code = "challenge_unknown"
    http_status = 404


class ChallengeExpiredError(ChallengeError):
    """The liveness challenge has expired; request a new one."""

    code = "challenge_expired"
    http_status = 410


class ChallengeReusedError(ChallengeError):
    """The liveness challenge was already used; request a new one."""

    code = "challenge_reused"
    http_status = 409


class RequestInvalidError(InputError):
    """The request is not valid."""

    code = "request_invalid"


class RouteNotFoundError(LeveattestError):
    """No such resource."""

    code = "not_found"
    http_status = 404


class MethodNotAllowedError(LeveattestError):
    """This method is not allowed here."""

    code = "method_not_allowed"
    http_status = 405


class RequestRefusedError(LeveattestError):
    """The request was refused."""

    code = "request_refused"
    http_status = 400


class TooManyRequestsError(LeveattestError):
    """Too many requests; try again later."""

    code = "too_many_requests"
    http_status = 429


class ServiceUnavailableError(LeveattestError):
    """The service is temporarily unavailable; try again shortly."""

    code = "service_unavailable"
    http_status = 503
    retry_after_seconds: ClassVar[int] = 5


class ServiceBusyError(ServiceUnavailableError):
    """The service is busy; try again shortly."""

    code = "service_busy"
    retry_after_seconds = 1


def all_error_classes() -> list[type[LeveattestError]]:
    """Every subclass of LeveattestError, for docs and tests of code uniqueness."""
    seen: list[type[LeveattestError]] = []
    stack: list[type[LeveattestError]] = [LeveattestError]
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen
