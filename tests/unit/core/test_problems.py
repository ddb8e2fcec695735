"""The one problem+json renderer: what each app publishes, and nothing else."""

from __future__ import annotations

from typing import ClassVar

from leveattest.core.errors import LeveattestError, ServiceUnavailableError
from leveattest.core.problems import PROBLEM_JSON, ProblemRenderer


class _TokenError(LeveattestError):
    """The token is not valid."""

    code = "test_invalid_token"
    http_status = 401
    bearer_error: ClassVar[str | None] = "invalid_token"


class _ClientError(LeveattestError):
    """The client could not be authenticated."""

    code = "test_invalid_client"
    http_status = 401
    oauth_error: ClassVar[str | None] = "invalid_client"


def test_only_public_context_is_published_and_renamed_keys_never_replace_the_status():
    renderer = ProblemRenderer(frozenset({"part", "status"}), renamed={"status": "state"})
    error = LeveattestError(part="SELFIE", status="pending", secret="document-number")
    problem = renderer.render(error, instance="/v1/sessions/x", status=409)
    assert problem.status == 409
    assert problem.media_type == PROBLEM_JSON
    assert problem.body == {
        "part": "SELFIE",
        "state": "pending",
        "type": "https://leveattest.example/problems/internal_error",
        "title": "The request could not be processed.",
        "status": 409,
        "code": "internal_error",
        "instance": "/v1/sessions/x",
    }
    assert problem.headers == {"Cache-Control": "no-store"}


def test_a_401_carries_the_apps_bearer_realm_and_the_errors_bearer_error():
    api, register, console = (
        ProblemRenderer(realm="leveattest"),
        ProblemRenderer(realm="register"),
        ProblemRenderer(),
    )
    assert api.render(_ClientError()).headers["WWW-Authenticate"] == 'Bearer realm="leveattest"'
    assert register.render(_TokenError()).headers["WWW-Authenticate"] == (
        'Bearer realm="register", error="invalid_token"'
    )
    assert "WWW-Authenticate" not in console.render(_TokenError()).headers
    assert "WWW-Authenticate" not in api.render(_ClientError(), status=403).headers


def test_an_oauth_error_code_is_published_for_oauth_clients():
    problem = ProblemRenderer(realm="register").render(_ClientError())
    assert problem.body["error"] == "invalid_client"
    assert "error" not in ProblemRenderer().render(LeveattestError()).body


def test_headers_given_are_kept_and_a_temporary_outage_says_when_to_come_back():
    problem = ProblemRenderer().render(ServiceUnavailableError(), headers={"Allow": "GET"})
    assert problem.status == 503
    assert problem.headers["Allow"] == "GET"
    assert problem.headers["Retry-After"] == "5"
