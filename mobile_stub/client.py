"""The phone's HTTP client over the ``/v1`` mobile API (models from ``leveattest.contracts``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from leveattest.contracts import (
    ChallengesIssued,
    ConsentReceipt,
    DeletionReceipt,
    PrivacyView,
    Problem,
    RetryStarted,
    SessionStarted,
    SessionStatus,
    Status,
    SubmitAccepted,
    UploadReceipt,
)
from mobile_stub.handover import Handover

WAITING = {Status.RECEIVED, Status.ANALYSING}


class ApiProblemError(Exception):
    """An RFC 9457 problem answered by the API."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.status} {problem.code}: {problem.title}")
        self.problem = problem

    @property
    def code(self) -> str:
        return self.problem.code


def problem_of(response: httpx.Response) -> Problem:
    try:
        return Problem.model_validate(response.json())
    except ValueError:
        return Problem(
            type="about:blank",
            title=response.reason_phrase,
            status=response.status_code,
            code="unexpected_response",
        )


def content_type_of(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    return "image/jpeg"


class MobileClient:
    """One phone: starts sessions, uploads, submits and polls over HTTP.

    ``http`` is any ``httpx.Client`` (its base URL points at the service). ``on_poll``
    is called before each status poll (tests use it to run the analysis worker).
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        on_poll: Callable[[], object] | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        self.http = http
        self.on_poll = on_poll
        self.poll_interval = poll_interval

    @classmethod
    def connect(cls, base_url: str, **kwargs: Any) -> MobileClient:
        return cls(httpx.Client(base_url=base_url, timeout=60.0), **kwargs)

    def close(self) -> None:
        self.http.close()

    # -- plumbing ---------------------------------------------------------------------

    def _call(
        self, method: str, url: str, session: SessionStarted | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if session is not None:
            headers["Authorization"] = f"Bearer {session.access_token}"
        response = self.http.request(method, url, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise ApiProblemError(problem_of(response))
        return response

    @staticmethod
    def _base(session: SessionStarted) -> str:
        return f"/v1/sessions/{session.session_id}"

    # -- the flow ---------------------------------------------------------------------

    def start(self, invitation_reference: str) -> SessionStarted:
        response = self._call(
            "POST", "/v1/sessions", json={"invitation_reference": invitation_reference}
        )
        return SessionStarted.model_validate(response.json())

    def resume(self, handover: Handover, *, renew: str = "all") -> SessionStarted:
        """Continue a session the pensioner started (and consented to) on the web page:
        fresh challenges for it (``POST /challenges``) make it look as a started session
        does to the rest of the app. ``expires_at`` is not told to a resumed app; it is
        the nonce's expiry, which bounds what the app does next. ``renew="aa"`` when the
        page already captured the frames: only the AA nonce is renewed (the frames stay)."""
        response = self._call(
            "POST",
            f"/v1/sessions/{handover.session_id}/challenges",
            headers={"Authorization": f"Bearer {handover.access_token}"},
            params={"renew": renew},
        )
        issued = ChallengesIssued.model_validate(response.json())
        return SessionStarted(
            session_id=issued.session_id,
            access_token=handover.access_token,
            expires_at=issued.aa_nonce_expires_at,
            status=issued.status,
            attempt=issued.attempt,
            aa_nonce=issued.aa_nonce,
            aa_nonce_expires_at=issued.aa_nonce_expires_at,
            liveness_challenge=issued.liveness_challenge,
            consent_notice_versions=[],
            status_url=f"/v1/sessions/{issued.session_id}",
        )

    def start_known_person(self, person: dict[str, str]) -> SessionStarted:
        """A session for a person the service already knows (staff and test path; the
        service refuses it unless ``LEVEATTEST_SESSIONS__ALLOW_KNOWN_PERSON_START``)."""
        response = self._call("POST", "/v1/sessions", json={"person": person})
        return SessionStarted.model_validate(response.json())

    def consent(
        self, session: SessionStarted, *, notice_version: str | None = None, language: str = "nb"
    ) -> ConsentReceipt:
        version = notice_version or session.consent_notice_versions[0]
        response = self._call(
            "POST",
            f"{self._base(session)}/consent",
            session,
            json={"notice_version": version, "language": language},
        )
        return ConsentReceipt.model_validate(response.json())

    def put_part(
        self,
        session: SessionStarted,
        part: str,
        data: bytes,
        content_type: str,
        *,
        params: dict[str, str] | None = None,
    ) -> UploadReceipt:
        response = self._call(
            "PUT",
            f"{self._base(session)}/parts/{part}",
            session,
            content=data,
            params=params,
            headers={"content-type": content_type},
        )
        return UploadReceipt.model_validate(response.json())

    def put_chip_file(self, session: SessionStarted, name: str, data: bytes) -> UploadReceipt:
        return self.put_part(session, name, data, "application/octet-stream")

    def put_aa_signature(self, session: SessionStarted, signature: bytes) -> UploadReceipt:
        return self.put_part(
            session,
            "AA_SIGNATURE",
            signature,
            "application/octet-stream",
            params={"nonce": session.aa_nonce},
        )

    def put_image(self, session: SessionStarted, part: str, data: bytes) -> UploadReceipt:
        return self.put_part(session, part, data, content_type_of(data))

    def put_frame(
        self,
        session: SessionStarted,
        index: int,
        data: bytes,
        captured_at_ms: int,
        *,
        challenge_id: str | None = None,
    ) -> UploadReceipt:
        challenge = challenge_id or str(session.liveness_challenge["challenge_id"])
        response = self._call(
            "PUT",
            f"{self._base(session)}/frames/{index}",
            session,
            content=data,
            params={"captured_at_ms": str(captured_at_ms), "challenge_id": challenge},
            headers={"content-type": content_type_of(data)},
        )
        return UploadReceipt.model_validate(response.json())

    def submit(self, session: SessionStarted) -> SubmitAccepted:
        response = self._call("POST", f"{self._base(session)}/submit", session)
        return SubmitAccepted.model_validate(response.json())

    def status(self, session: SessionStarted) -> SessionStatus:
        response = self._call("GET", self._base(session), session)
        return SessionStatus.model_validate(response.json())

    def wait(self, session: SessionStarted, *, timeout: float = 300.0) -> SessionStatus:
        """Poll until the session leaves ``received``/``analysing`` (or ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.on_poll is not None:
                self.on_poll()
            current = self.status(session)
            if current.status not in WAITING or time.monotonic() > deadline:
                return current
            time.sleep(self.poll_interval)

    def retry(self, session: SessionStarted) -> SessionStarted:
        """Open the next attempt after ``retry_requested``: the same session and token with
        a new AA nonce and liveness challenge (uploads are open again)."""
        response = self._call("POST", f"{self._base(session)}/retry", session)
        issued = RetryStarted.model_validate(response.json())
        return session.model_copy(
            update={
                "attempt": issued.attempt,
                "status": issued.status,
                "aa_nonce": issued.aa_nonce,
                "aa_nonce_expires_at": issued.aa_nonce_expires_at,
                "liveness_challenge": issued.liveness_challenge,
            }
        )

    def withdraw(self, session: SessionStarted) -> DeletionReceipt:
        response = self._call("DELETE", f"{self._base(session)}/consent", session)
        return DeletionReceipt.model_validate(response.json())

    def privacy(self, session: SessionStarted) -> PrivacyView:
        response = self._call("GET", f"{self._base(session)}/privacy", session)
        return PrivacyView.model_validate(response.json())

    def raw_put(
        self, session: SessionStarted, path: str, data: bytes, content_type: str
    ) -> httpx.Response:
        """A PUT that returns the response as is (for bad-upload probes)."""
        return self.http.put(
            f"{self._base(session)}/{path}",
            content=data,
            headers={
                "Authorization": f"Bearer {session.access_token}",
                "content-type": content_type,
            },
        )
