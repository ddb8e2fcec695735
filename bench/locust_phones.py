"""Locust file for ``bench/api_load.py``: each user is a phone walking a pensioner's journey.

Not for pytest (locust monkey-patches with gevent). ``bench/api_load.py`` prepares the
upload bodies and the invitations and passes them in through the environment:

* ``LEVEATTEST_BENCH_BODIES``: folder with ``chip/*.bin``, ``aa_key.pem``, ``page.jpg``,
  ``selfie.jpg``, ``frames/NN.jpg`` and ``frames.json`` (capture times in ms);
* ``LEVEATTEST_BENCH_INVITATIONS``: a text file, one invitation reference a line;
* ``LEVEATTEST_BENCH_THINK``: scale of the pauses a person makes between steps (1.0 =
  the pauses below, 0 = every request straight after the last);
* ``LEVEATTEST_BENCH_SAMPLES``: where to write every request's time (JSON, for exact
  percentiles over all uploads together; locust's CSV has them per endpoint only).

The journey: start from the invitation → consent → chip files and the AA signature over
the issued nonce → data-page photo → selfie → liveness frames (one request each, as
``mobile_stub`` uploads them) → submit. With ``--workers 0`` nothing is analysed.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

from mobile_stub.chip import load_aa_key, sign_nonce

BODIES = Path(os.environ.get("LEVEATTEST_BENCH_BODIES", "bench/out/api_load/bodies"))
INVITATIONS = Path(os.environ.get("LEVEATTEST_BENCH_INVITATIONS", "bench/out/api_load/inv.txt"))
THINK = float(os.environ.get("LEVEATTEST_BENCH_THINK", "1.0"))
SAMPLES = os.environ.get("LEVEATTEST_BENCH_SAMPLES")

# seconds a person spends before each step (reading, holding the passport, framing a photo);
# the frames of the liveness capture go up one after another without a pause
PAUSES = {"consent": 3.0, "chip": 4.0, "page": 3.0, "selfie": 3.0, "frames": 1.0, "submit": 1.0}
OCTET = {"content-type": "application/octet-stream"}
JPEG = {"content-type": "image/jpeg"}


def _load_bodies() -> dict[str, Any]:
    frames_meta = json.loads((BODIES / "frames.json").read_text())
    return {
        "chip": [(p.stem, p.read_bytes()) for p in sorted((BODIES / "chip").glob("*.bin"))],
        "aa_key": load_aa_key(BODIES / "aa_key.pem"),
        "page": (BODIES / "page.jpg").read_bytes(),
        "selfie": (BODIES / "selfie.jpg").read_bytes(),
        "frames": [
            (int(m["captured_at_ms"]), (BODIES / "frames" / m["file"]).read_bytes())
            for m in frames_meta
        ],
    }


PHONE = _load_bodies()
_invitations: deque[str] = deque(
    line.strip() for line in INVITATIONS.read_text().splitlines() if line.strip()
)
_samples: list[tuple[str, float, bool]] = []


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, exception: Exception | None, **_: Any
) -> None:
    _samples.append((name, response_time, exception is None))


@events.reset_stats.add_listener
def _reset() -> None:
    _samples.clear()


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    if SAMPLES:
        Path(SAMPLES).write_text(json.dumps(_samples))


def _pause(step: str) -> None:
    if THINK > 0:
        gevent.sleep(PAUSES[step] * THINK)


class Phone(FastHttpUser):
    """One phone; each task run is one complete journey with a fresh invitation."""

    network_timeout = 60.0
    connection_timeout = 10.0

    @task
    def journey(self) -> None:
        if not _invitations:
            raise StopUser()
        started = self._json(
            self.client.post(
                "/v1/sessions",
                json={"invitation_reference": _invitations.popleft()},
                name="POST /v1/sessions",
            )
        )
        if started is None:
            return
        base = f"/v1/sessions/{started['session_id']}"
        auth = {"Authorization": f"Bearer {started['access_token']}"}
        _pause("consent")
        self.client.post(
            f"{base}/consent",
            json={"notice_version": started["consent_notice_versions"][0], "language": "nb"},
            headers=auth,
            name="POST consent",
        )
        _pause("chip")
        for name, data in PHONE["chip"]:
            self._put(f"{base}/parts/{name}", data, auth | OCTET, "PUT parts/<chip file>")
        signature = sign_nonce(PHONE["aa_key"], bytes.fromhex(started["aa_nonce"]))
        self._put(
            f"{base}/parts/AA_SIGNATURE?nonce={started['aa_nonce']}",
            signature,
            auth | OCTET,
            "PUT parts/AA_SIGNATURE",
        )
        _pause("page")
        self._put(f"{base}/parts/PAGE", PHONE["page"], auth | JPEG, "PUT parts/PAGE")
        _pause("selfie")
        self._put(f"{base}/parts/SELFIE", PHONE["selfie"], auth | JPEG, "PUT parts/SELFIE")
        _pause("frames")
        challenge = started["liveness_challenge"]["challenge_id"]
        for index, (captured_at_ms, data) in enumerate(PHONE["frames"]):
            self._put(
                f"{base}/frames/{index}?captured_at_ms={captured_at_ms}&challenge_id={challenge}",
                data,
                auth | JPEG,
                "PUT frames/<index>",
            )
        _pause("submit")
        self.client.post(f"{base}/submit", headers=auth, name="POST submit")

    def _put(self, url: str, data: bytes, headers: dict[str, str], name: str) -> None:
        self.client.put(url, data=data, headers=headers, name=name)

    @staticmethod
    def _json(response: Any) -> dict[str, Any] | None:
        if response.status_code != 201:
            return None
        body: dict[str, Any] = response.json()
        return body
