"""Garbage bodies on every route of the three apps answer 4xx problem+json, never 5xx.

The routes come from the apps' own route tables (mobile API with its upload routes, the
register, the ops console), each method of each, with a signed-in caller (session token,
company access token, staff cookie) and without; the bodies are a corpus of malformed
input (invalid UTF-8, truncated and deep JSON, huge numbers, wrong types, empty, binary,
broken multipart and forms) and Hypothesis' own, under every content type a route could
be sent. SQLite: the point is the HTTP edge, not the database.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from api_helpers import BIRTH, NOW, Harness, StubPipeline, SyncClient, auth, invite
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Mount

from leveattest.api.app import create_app
from leveattest.core.clock import FixedClock
from leveattest.core.settings import Settings
from leveattest.pensioner.app import PensionerSettings, create_pensioner_app
from leveattest.review.app import create_review_app
from leveattest.review.auth import create_account
from leveattest.review.settings import ReviewSettings
from leveattest.sessions.db import make_engine, upgrade
from leveattest.sessions.settings import SessionSettings
from leveattest.storage.envelope import MasterKey
from register.api import create_register_app
from register.client import InProcessRegisterClient
from register.companies import add_company_key, register_company
from register.company_client import CompanyClient, generate_company_key
from register.db.engine import make_engine as make_register_engine
from register.db.engine import make_session_factory as make_register_sessions
from register.db.migrate import upgrade as upgrade_register
from register.invitation_view import RegisterRequesters
from register.keys import RegisterKeys
from register.settings import ALL_SCOPES, RegisterSettings

REGISTER_URL = "http://register.test/register/v1"
CONTENT_TYPES = (
    "application/json",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "application/octet-stream",
    "text/plain",
    "application/x-www-form-urlencoded",
    "image/jpeg",
    "image/png",
    None,
)
CORPUS = (
    b"",
    b"\xff",
    b'{"invitation_reference": "\xff\xfe"}',
    b'{"notice_version": "2026-1", "language": ',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000,
    b"1" * 100_000,
    b'{"person": {"national_id": 1e999999}}',
    b'{"persons": [' + b"9" * 5_000 + b"]}",
    b"NaN",
    b"null",
    b'"text"',
    b"[]",
    b'{"invitation_reference": 12, "known_person": []}',
    b'{"notice_version": {}, "language": null}',
    b'{"person": "x", "persons": {"a": 1}, "statement": 7}',
    b'{"persons": [null, 1, "x", {}, []]}',
    b"\x00" * 4096,
    b"\xff\xd8\xff\xe0garbage",
    b'--xyz\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n',
    b'--xyz\r\nContent-Disposition: form-data; name="a"; filename="\xff"\r\n\r\nv\r\n--xy',
    b"--\r\n\r\n--",
    b"csrf_token=%ff%fe&username=%&password=" + b"x" * 5_000,
    b"grant_type=client_credentials&client_assertion=a.b.c&client_assertion_type=%zz",
    b"a=" + b"&a=" * 5_000,
)
bodies = st.one_of(
    st.sampled_from(CORPUS),
    st.binary(max_size=4096),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
)


@dataclass(frozen=True)
class Endpoint:
    app: str
    method: str
    path: str  # a template: {session_id}, {part}, ...


@dataclass
class Service:
    clients: dict[tuple[str, bool], SyncClient]  # (app, signed in)
    auth: dict[str, dict[str, str]]
    path_values: dict[str, str]


def endpoints(app_name: str, app: FastAPI) -> list[Endpoint]:
    """Every (method, path) of ``app``'s route table, included routers and mounts too."""
    found: list[Endpoint] = []
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, Mount):
            found.append(Endpoint(app_name, "GET", f"{original.path}/{{file}}"))
            continue
        for method in sorted(route.methods or ()):
            found.append(Endpoint(app_name, method, str(route.path)))
    return found


def _service_apps(folder: Path, clock: FixedClock) -> tuple[dict[str, FastAPI], Harness]:
    engine = make_engine(f"sqlite:///{folder / 'leveattest.db'}")
    upgrade(engine)
    register_settings = RegisterSettings(
        base_url=REGISTER_URL,
        database_url=f"sqlite:///{folder / 'register.db'}",
        signing_keys_path=folder / "keys.json",
        accept_synthetic_ids=True,
    )
    register_engine = make_register_engine(register_settings.database_url)
    upgrade_register(register_engine)
    register_client = InProcessRegisterClient(
        make_register_sessions(register_engine), clock, register_settings
    )
    register_client.engine = register_engine  # type: ignore[attr-defined]
    settings = Settings(data={"var_dir": folder / "var"})  # type: ignore[arg-type]
    api = create_app(
        settings,
        clock=clock,
        register_client=register_client,
        session_settings=SessionSettings(allow_known_person_start=True),
        engine=engine,
    )
    register = create_register_app(
        register_settings, clock, keys=RegisterKeys.generate(), engine=register_engine
    )
    ops = create_review_app(api.state.sessions, ReviewSettings(cookie_secure=False))
    pensioner = create_pensioner_app(
        api.state.sessions,
        RegisterRequesters(make_register_sessions(register_engine)),
        PensionerSettings(cookie_secure=False),
    )
    harness = Harness(SyncClient(api), api.state.sessions, clock, register_client, StubPipeline())
    return {"api": api, "register": register, "ops": ops, "pensioner": pensioner}, harness


def _company_token(register: FastAPI, clock: FixedClock) -> str:
    state = register.state.register
    key = generate_company_key("fuzz-k1")
    with state.unit_of_work() as session:
        company = register_company(
            session, clock, client_id="fuzz", name="Fuzz AS", scopes=ALL_SCOPES
        )
        add_company_key(session, clock, company, key.as_dict(private=False))
    client = CompanyClient(
        REGISTER_URL,
        "fuzz",
        key,
        transport=httpx.ASGITransport(app=register),
        clock=clock,
    )
    sync = SyncClient(register)
    try:
        return sync.loop.run_until_complete(client.token(" ".join(ALL_SCOPES)))
    finally:
        sync.loop.run_until_complete(client.aclose())
        sync.close()


def _staff_client(ops: FastAPI, clock: FixedClock) -> SyncClient:
    ctx = ops.state.review.ctx
    master = MasterKey.from_secret(ctx.settings.security.master_key.get_secret_value())
    with ctx.unit_of_work() as db:
        created = create_account(
            db, master, ReviewSettings(), clock.now(), username="fuzzer", role="senior_reviewer"
        )
    client = SyncClient(ops)
    client.client.base_url = httpx.URL("http://testserver")
    page = client.get("/ops/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    signed_in = client.post(
        "/ops/login",
        data={
            "username": created.account.username,
            "password": created.password,
            "totp": pyotp.TOTP(created.totp_secret).at(clock.now()),
            "csrf_token": token.group(1),
        },
    )
    assert signed_in.status_code == 303, signed_in.text
    return client


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    clock = FixedClock(NOW)
    apps, harness = _service_apps(tmp_path_factory.mktemp("garbage"), clock)
    started = harness.start()
    harness.consent(started)
    token = _company_token(apps["register"], clock)
    staff = _staff_client(apps["ops"], clock)
    pensioner = _pensioner_client(apps["pensioner"], harness)
    clock.advance(timedelta(seconds=31))
    register = SyncClient(apps["register"])
    clients = {
        ("api", True): harness.client,
        ("api", False): harness.client,
        ("register", True): register,
        ("register", False): register,
        ("ops", True): staff,
        ("ops", False): SyncClient(apps["ops"]),
        ("pensioner", True): pensioner,
        ("pensioner", False): pensioner,
    }
    try:
        yield Service(
            clients,
            {
                "api": auth(started),
                "register": {"authorization": f"Bearer {token}"},
                "ops": {},
                "pensioner": {},
            },
            {"session_id": started["session_id"], "reference": pensioner.reference},  # type: ignore[attr-defined]
        )
    finally:
        for client in {id(c): c for c in clients.values()}.values():
            client.close()


def _apps_for_listing() -> list[Endpoint]:
    """From the real factories' route tables: a new route is fuzzed without a change here."""
    with tempfile.TemporaryDirectory() as folder:
        apps, harness = _service_apps(Path(folder), FixedClock(NOW))
        harness.client.close()
        return [e for name, app in apps.items() for e in endpoints(name, app)]


ENDPOINTS = _apps_for_listing()
PATH_VALUES = st.sampled_from(["DG1", "SELFIE", "AA_SIGNATURE", "0", "x", "%ff", "9" * 40])


def _pensioner_client(app: FastAPI, harness: Harness) -> SyncClient:
    """A browser that consented to a letter and proved its birth date ("my data"), so the
    fuzzed pages behind both proofs are reached too."""
    reference = invite(harness.register, 3)
    client = SyncClient(app)
    client.reference = reference  # type: ignore[attr-defined]
    started = client.post(f"/i/{reference}/start", data={"consent": "yes"})
    assert started.status_code == 303, started.text[:300]
    proven = client.post(
        f"/i/{reference}/mydata",
        data={"day": str(BIRTH.day), "month": str(BIRTH.month), "year": str(BIRTH.year)},
    )
    assert proven.status_code == 303, proven.text[:300]
    return client


def test_the_route_tables_cover_uploads_register_and_console():
    listed = {(e.app, e.method, e.path) for e in ENDPOINTS}
    assert ("pensioner", "POST", "/i/{reference}/mydata/requests") in listed
    assert ("pensioner", "POST", "/i/{reference}/withdraw") in listed
    assert ("api", "PUT", "/v1/sessions/{session_id}/parts/{part}") in listed
    assert ("api", "PUT", "/v1/sessions/{session_id}/frames/{index}") in listed
    assert ("register", "POST", "/register/v1/status/batch") in listed
    assert ("ops", "POST", "/ops/cases/{session_id}/reject") in listed


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    body=bodies,
    content_type=st.sampled_from(CONTENT_TYPES),
    signed_in=st.booleans(),
    data=st.data(),
)
def test_garbage_on_any_route_gets_a_4xx_problem_never_a_5xx(
    service: Service,
    endpoint: Endpoint,
    body: bytes,
    content_type: str | None,
    signed_in: bool,
    data: Any,
):
    path = re.sub(
        r"\{(\w+)(?::\w+)?\}",
        lambda m: service.path_values.get(m.group(1)) or data.draw(PATH_VALUES),
        endpoint.path,
    )
    headers = dict(service.auth[endpoint.app]) if signed_in else {}
    if content_type is not None:
        headers["content-type"] = content_type
    response = service.clients[endpoint.app, signed_in].request(
        endpoint.method, path, content=body, headers=headers
    )
    assert response.status_code < 500, (endpoint, response.status_code, response.text[:300])
    if endpoint.app == "pensioner":  # pages for people: every refusal is a page
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("text/html"), response.text[:300]
            assert "<script" not in response.text
        return
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json", response.text[:300]
        problem = response.json()
        assert problem["status"] == response.status_code
        assert re.fullmatch(r"[a-z_]+", problem["code"])
