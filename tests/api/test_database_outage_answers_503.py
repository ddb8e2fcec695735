"""A database that cannot be reached: the mobile API, the register and the ops console
answer 503 problem+json ``service_unavailable`` with ``Retry-After`` (never a 500 or a
traceback), ``/healthz`` still answers, ``/readyz`` says why not, and the outage is logged
once however many requests fail. The database is PostgreSQL on a loopback port where
nothing listens, so no server is needed.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import SyncClient
from silent_server import silent_server, timed
from structlog.testing import capture_logs

from leveattest.api.app import create_app
from leveattest.app.register_root import register_app, register_engine
from leveattest.core.settings import Settings
from leveattest.review.app import create_review_app
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.db import make_engine
from register.api import create_register_app
from register.keys import RegisterKeys
from register.settings import RegisterSettings


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@pytest.fixture
def clients(tmp_path: Path) -> Iterator[dict[str, SyncClient]]:
    # a database name of its own: outage episodes are counted per database and process
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/down_{uuid.uuid4().hex}"
    engine = make_engine(url)
    api = create_app(
        Settings(data={"var_dir": tmp_path / "var"}),  # type: ignore[arg-type]
        engine=engine,
    )
    register = create_register_app(
        RegisterSettings(database_url=url, signing_keys_path=tmp_path / "keys.json"),
        keys=RegisterKeys.generate(),
    )
    ops = create_review_app(api.state.sessions, ReviewSettings(cookie_secure=False))
    made = {"api": SyncClient(api), "register": SyncClient(register), "ops": SyncClient(ops)}
    yield made
    for client in made.values():
        client.close()
    engine.dispose()


REQUESTS = [
    (
        "api",
        "POST",
        "/v1/sessions/abc/consent",
        {
            "json": {"notice_version": "2026-1", "language": "nb"},
            "headers": {"authorization": "Bearer t"},
        },
    ),
    ("api", "GET", "/v1/sessions/abc", {"headers": {"authorization": "Bearer t"}}),
    ("api", "PUT", "/v1/sessions/abc/parts/DG1", {"headers": {"authorization": "Bearer t"}}),
    ("register", "POST", "/register/v1/oauth/token", {"data": {"grant_type": "x"}}),
    ("register", "GET", "/register/v1/changes", {"headers": {"authorization": "Bearer t"}}),
    ("register", "POST", "/register/v1/status", {"content": b"\xff"}),
    ("ops", "GET", "/ops/queue", {"cookies": {"leveattest_ops": "a-session"}}),
    ("ops", "GET", "/ops/dashboard", {"cookies": {"leveattest_ops": "a-session"}}),
]


def _assert_unavailable(response: httpx.Response) -> dict:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["status"] == 503
    return body


def test_every_app_answers_503_with_retry_after_and_logs_the_outage_once(clients):
    with capture_logs() as logs:
        for _round in range(3):
            for app, method, path, kwargs in REQUESTS:
                client = clients[app]
                client.client.cookies.update(kwargs.get("cookies", {}))
                sent = {k: v for k, v in kwargs.items() if k != "cookies"}
                _assert_unavailable(client.request(method, path, **sent))
    events = [entry["event"] for entry in logs]
    assert events.count("db.unavailable") == 1, events
    assert "api.unexpected" not in events
    assert "register.unexpected" not in events


@pytest.mark.parametrize("app", ["api", "register"])
def test_readyz_says_the_database_is_out_while_healthz_still_answers(clients, app):
    assert clients[app].get("/healthz").status_code == 204
    body = _assert_unavailable(clients[app].get("/readyz"))
    assert body["checks"]["database"] == {"ok": False, "reason": "outage"}


def test_a_browser_in_the_ops_console_gets_the_error_page_with_the_code(clients):
    client = clients["ops"]
    client.client.cookies.set("leveattest_ops", "a-session")
    response = client.get("/ops/queue", headers={"accept": "text/html"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"].startswith("text/html")
    assert "service_unavailable" in response.text


def test_apps_built_from_the_settings_answer_503_within_the_connect_timeout(tmp_path):
    # a server that accepts and never answers (packets swallowed after the handshake): the
    # settings' connect timeout, not the kernel's minutes, bounds the wait for the 503
    with silent_server() as server:
        settings = Settings(
            data={"var_dir": tmp_path / "var"},  # type: ignore[arg-type]
            database={"url": server.url("service"), "connect_timeout_seconds": 2},  # type: ignore[arg-type]
            register={  # type: ignore[arg-type]
                "database_url": server.url("register"),
                "database_connect_timeout_seconds": 2,
                "signing_keys_path": tmp_path / "keys.json",
            },
        )
        engine = register_engine(settings)
        assert engine.url.query["connect_timeout"] == "2"
        engine.dispose()
        api = SyncClient(create_app(settings))
        register = SyncClient(register_app(settings, keys=RegisterKeys.generate()))
        try:
            for client, path, kwargs in [
                (api, "/v1/sessions/abc", {"headers": {"authorization": "Bearer t"}}),
                (register, "/register/v1/changes", {"headers": {"authorization": "Bearer t"}}),
            ]:
                response, error, elapsed = timed(lambda c=client, p=path, k=kwargs: c.get(p, **k))
                assert error is None, repr(error)
                _assert_unavailable(response)
                assert 1.5 <= elapsed < 8.0, f"{path}: answered after {elapsed:.1f} s"
            assert len(server.accepted) >= 2
        finally:
            api.close()
            register.close()
