"""Stdlib loggers (uvicorn's access log among them) go through structlog's processors:
JSON lines with the request id, ids and signed URLs fingerprinted, personal data redacted."""

from __future__ import annotations

import io
import json
import logging
import secrets
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from leveattest.core.logging import configure_logging, fingerprint, fingerprint_path, get_logger
from leveattest.core.observability import ObservabilityMiddleware

SESSION_ID = secrets.token_hex(16)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("INFO", json_logs=True, stream=stream)
    yield stream
    configure_logging("INFO")  # back to the current stderr


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_session_id_and_a_signed_url_are_fingerprinted_in_a_request_target():
    target = f"/ops/cases/{SESSION_ID}/images/SELFIE?exp=1796176261&sig=c2lnbmF0dXJl"
    logged = fingerprint_path(target)
    assert SESSION_ID not in logged
    assert "sig=" not in logged
    assert "c2lnbmF0dXJl" not in logged
    assert logged.startswith(f"/ops/cases/{fingerprint(SESSION_ID)}/images/SELFIE?fp:")
    assert fingerprint_path("/v1/sessions") == "/v1/sessions"
    assert fingerprint_path("/register/v1/oauth/token") == "/register/v1/oauth/token"


def test_an_alembic_line_is_json_with_its_logger_and_redacted(json_log: io.StringIO):
    logging.getLogger("alembic.runtime.migration").warning("born %s", "1974-08-12")
    (line,) = _lines(json_log)
    assert line["logger"] == "alembic.runtime.migration"
    assert line["level"] == "warning"
    assert "1974-08-12" not in json.dumps(line)


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, lifespan="off", access_log=True)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    return server, thread, sock.getsockname()[1]


async def _hello(scope: Any, receive: Any, send: Any) -> None:
    get_logger("test.app").info("app.handled")
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_uvicorns_access_line_is_json_without_the_raw_session_id(json_log: io.StringIO):
    app = ObservabilityMiddleware(_hello, app_name="test")
    server, thread, port = _serve(app)
    try:
        for _ in range(200):  # started within 10 s (not a timing assertion: a bound)
            if server.started:
                break
            threading.Event().wait(0.05)
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/sessions/{SESSION_ID}/privacy?token=abc",
            headers={"X-Request-ID": "trace-123456789"},
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-123456789"
    lines = _lines(json_log)
    assert SESSION_ID not in json_log.getvalue()
    (access,) = [line for line in lines if line.get("event") == "http.access"]
    assert access["logger"] == "uvicorn.access"
    assert access["method"] == "GET"
    assert access["status"] == 200
    assert access["path"].startswith(f"/v1/sessions/{fingerprint(SESSION_ID)}/privacy?fp:")
    (handled,) = [line for line in lines if line.get("event") == "app.handled"]
    assert handled["request_id"] == "trace-123456789"


def test_an_id_in_a_library_message_is_fingerprinted(json_log: io.StringIO):
    logging.getLogger("procrastinate.worker").warning(
        "Job analyse_session[7](session_id='%s', attempt=1) failed", SESSION_ID
    )
    (line,) = _lines(json_log)
    assert SESSION_ID not in json.dumps(line)
    assert fingerprint(SESSION_ID) in line["event"]
    assert "attempt=1" in line["event"]


def test_configure_logging_undoes_an_earlier_uvicorn_config_that_silenced_the_access_log():
    # the demo's in-process server: uvicorn.Config(log_level="warning", access_log=False)
    uvicorn.Config(_hello, log_level="warning", access_log=False).configure_logging()
    stream = io.StringIO()
    configure_logging("INFO", json_logs=True, stream=stream)
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "c", "GET", "/", "1.1", 200
        )
        assert [line["logger"] for line in _lines(stream)] == ["uvicorn.access"]
    finally:
        configure_logging("INFO")
