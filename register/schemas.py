"""Request and response bodies of the register API (pydantic; published as OpenAPI).

The handlers read each body themselves, with a size limit, and validate it with these
models (``parse_body``), so that what is published is what is checked and the answers
keep their stable codes: a body that is not JSON or not an object is ``422
register_request_invalid`` (``reason`` ``json``, ``json_object`` or the field), a person
that is not an object or names no identifier is ``422 register_person_id_invalid``. A
person's identifier is then checked by ``register.identity`` (control digits, kind), which
gives the precise ``problems``. The answers of status and changes are a compact JWS
(``SignedStatement``): its claims are documented in docs/register.md.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema

from register.errors import NationalIdInvalidError, RegisterInputError
from register.identity import PersonId, person_id_from_fields

ModelT = TypeVar("ModelT", bound=BaseModel)
EXAMPLE_NATIONAL_ID = "17855012308"  # synthetic (month + 80): never a real person
EXAMPLE_JWS = "eyJhbGciOiJFUzI1NiIsImtpZCI6InIxIiwidHlwIjoic3RhdHVzK2p3cyJ9.e30.c2ln"


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonRef(_Request):
    """A person: a Norwegian fødselsnummer or D-number (`national_id`), or a foreign
    identifier with its ICAO issuing state (`foreign_id` and `issuing_state`)."""

    national_id: str | None = Field(
        default=None,
        description="11 digits with valid control digits (fødselsnummer or D-number)",
        json_schema_extra={"pattern": r"^\d{11}$"},
        examples=[EXAMPLE_NATIONAL_ID],
    )
    foreign_id: str | None = Field(
        default=None,
        description="A foreign identifier (letters, digits, < - /; up to 40)",
        json_schema_extra={"maxLength": 40},
        examples=["AB1234567"],
    )
    issuing_state: str | None = Field(
        default=None,
        description="ICAO 9303 three-letter code of the state that issued foreign_id",
        json_schema_extra={"pattern": "^[A-Za-z][A-Za-z<]{2}$"},
        examples=["SWE"],
    )

    def person_id(self, *, accept_synthetic: bool) -> PersonId:
        return person_id_from_fields(
            self.national_id, self.foreign_id, self.issuing_state, accept_synthetic=accept_synthetic
        )


class StatusRequest(_Request):
    person: PersonRef


class BatchStatusRequest(_Request):
    """Up to `max_batch` persons (100,000 by default). A person that cannot be read is
    answered on its own line (`invalid`), not by refusing the batch."""

    # each item is read by ``register.identity`` while the batch is answered (one line each)
    persons: Annotated[
        list[Any],
        WithJsonSchema({"type": "array", "items": {"$ref": "#/components/schemas/PersonRef"}}),
    ] = Field(
        examples=[
            [{"national_id": EXAMPLE_NATIONAL_ID}, {"foreign_id": "AB1", "issuing_state": "SWE"}]
        ]
    )


class RelationshipRequest(_Request):
    statement: str = Field(
        description=(
            "A payment statement: a compact JWS (typ payment-statement+jws) signed with one "
            "of the company's registered keys; claims iss, iat, person, agreement_reference, "
            "latest_payment_period (YYYY-MM), optionally full_name and birth_date"
        ),
        examples=[EXAMPLE_JWS],
    )


class CertificateRequestBody(_Request):
    person: PersonRef


class SubjectAccessRequest(_Request):
    """Proof of holding the letter: its reference and the person's birth date."""

    reference: str = Field(
        description="The invitation reference printed on the letter (8 to 40 letters and digits)",
        examples=["ABCDEFGHIJKLMNOPQRSTUVWX"],
    )
    birth_date: str = Field(description="YYYY-MM-DD", examples=["1950-05-17"])


class TokenRequest(BaseModel):
    """OAuth 2.0 client credentials grant with a `private_key_jwt` client assertion
    (RFC 6749 §4.4, RFC 7523 §2.2): a JWT signed with one of the company's registered keys,
    `iss` = `sub` = client id, `aud` = this token endpoint's URL, `exp` at most 300 s after
    `iat`, a single-use `jti`. Wrong values answer the RFC 6749 `error` codes."""

    # register.auth.GRANT_TYPE and ASSERTION_TYPE (the generated client sends these defaults)
    grant_type: Literal["client_credentials"] = "client_credentials"
    client_assertion_type: Literal["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"] = (
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )
    client_assertion: str = Field(examples=[EXAMPLE_JWS])
    scope: str | None = Field(
        default=None,
        description="Space-separated scopes (register.read, register.relationships, "
        "register.requests); all the company's scopes when absent",
        examples=["register.read"],
    )
    client_id: str | None = Field(default=None, description="If given, the assertion's iss")


class TokenResponse(_Answer):
    access_token: str = Field(description="A JWT (typ at+jwt, RFC 9068) signed by the register")
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds", examples=[300])
    scope: str = Field(examples=["register.read"])


class SignedStatement(_Answer):
    statement: str = Field(
        description=(
            "Compact JWS (ES256, kid in the register's JWKS) over canonical JSON; typ "
            "status+jws (claims iss, aud, iat, as_of, person, status, relationship) or "
            "changes+jws (iss, aud, iat, as_of, items, has_more, next_cursor)"
        ),
        examples=[EXAMPLE_JWS],
    )


class RelationshipRegistered(_Answer):
    agreement_reference: str = Field(examples=["AVT-2026-001"])
    latest_payment_period: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-02"])
    valid_to: date = Field(description="The relationship is current until this day")


class CertificateRequested(_Answer):
    request_id: int
    deadline: date


class BatchResult(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class BatchLine(_Answer):
    """One line of a batch answer (NDJSON): a result per person in the order asked, then a
    last line with only `manifest`, a compact JWS (typ batch-manifest+jws) whose `count`
    and `sha256` cover the bytes of every line before it."""

    index: int | None = None
    result: BatchResult | None = None
    person: PersonRef | None = None
    status: dict[str, Any] | None = None
    relationship: dict[str, Any] | None = None
    code: str | None = Field(default=None, description="Why an invalid line is invalid")
    manifest: str | None = None


class JsonWebKey(BaseModel):
    """A public signing key of the register (RFC 7517)."""

    model_config = ConfigDict(extra="allow")

    kty: str = Field(examples=["EC"])
    kid: str
    crv: str | None = Field(default=None, examples=["P-256"])
    x: str | None = None
    y: str | None = None
    use: str | None = Field(default=None, examples=["sig"])
    alg: str | None = Field(default=None, examples=["ES256"])


class JsonWebKeySet(_Answer):
    keys: list[JsonWebKey]


class RegisterProblem(BaseModel):
    """RFC 9457 problem details with a stable `code` (`register_*`, or the shared
    `rate_limited`, `service_unavailable`, `not_found`, …)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    code: str = Field(examples=["register_not_found"])
    detail: str | None = None
    instance: str | None = Field(default=None, description="urn:leveattest:request:<id>")
    error: str | None = Field(default=None, description="RFC 6749 §5.2 error (token endpoint)")
    reason: str | None = None
    problems: list[str] | None = Field(default=None, description="Why a person id is invalid")
    claim: str | None = None
    needed: str | None = None
    max: int | None = None


REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    StatusRequest,
    BatchStatusRequest,
    RelationshipRequest,
    CertificateRequestBody,
    SubjectAccessRequest,
    TokenRequest,
    BatchLine,
)


def parse_body(model: type[ModelT], raw: bytes) -> ModelT:
    """Validate a JSON body with ``model``; a failure is the register's own error."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise _input_error(exc) from None  # pydantic's message may echo the input


def _input_error(exc: ValidationError) -> RegisterInputError | NationalIdInvalidError:
    """The code the register has always answered for this kind of bad body."""
    first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    loc = first["loc"]
    if first["type"] == "json_invalid":
        return RegisterInputError(reason="json")
    if not loc:
        return RegisterInputError(reason="json_object")
    if loc[0] == "person":
        problem = "not_an_object" if len(loc) == 1 else "national_id_or_foreign_id_required"
        return NationalIdInvalidError(problems=[problem])
    return RegisterInputError(reason=str(loc[0]))
