"""Simulator scenarios: one phone walking one invitation through the API.

Every scenario takes a :class:`MobileClient`, a sample folder from ``leveattest samples
generate`` (``persons/pNN`` — or ``negatives/<name>`` for the chip attacks, whose page and
selfie come from the negative's ``base_person``) and an invitation reference for that
person, and returns ``{"scenario", "expected", "actual", "seconds", ...}``.
"""

from __future__ import annotations

import io
import json
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from leveattest.contracts import SessionStarted, SessionStatus
from mobile_stub.capture import RenderOptions, encode_frames, simulate_capture
from mobile_stub.chip import load_aa_key, sign_nonce
from mobile_stub.client import ApiProblemError, MobileClient
from mobile_stub.handover import Handover

Result = dict[str, Any]
Frames = list[tuple[int, bytes]]
CAPTURE_SIZE = (480, 640)  # width, height of the simulated front camera


def person_of(folder: Path) -> Path:
    """The ``persons/pNN`` folder with the page and selfie for ``folder``."""
    expected = folder / "expected.json"
    if expected.is_file():
        base = json.loads(expected.read_text())["base_person"]
        return folder.parent.parent / "persons" / str(base)
    return folder


def other_identity(folder: Path) -> Path:
    """A person in the same sample set with a different face identity."""
    own = json.loads((folder / "person.json").read_text())["face"]["identity"]
    for candidate in sorted(folder.parent.glob("p*")):
        face = json.loads((candidate / "person.json").read_text())["face"]["identity"]
        if face != own and (candidate / "selfie.jpg").is_file():
            return candidate
    raise LookupError("the sample set has no second identity")


def render_frames(
    portrait_jpeg: bytes, challenge: dict[str, Any], species: str, seed_text: str
) -> Frames:
    """Liveness frames (timestamp ms, JPEG) of ``species`` under ``challenge``."""
    portrait = np.asarray(Image.open(io.BytesIO(portrait_jpeg)).convert("RGB"))
    options = RenderOptions(size=CAPTURE_SIZE, seed=zlib.crc32(seed_text.encode()))
    return encode_frames(simulate_capture(portrait, challenge, species, options))


def challenge_seed(session: SessionStarted) -> str:
    """Render seed: the challenge's colours and prompt (a reproducible challenge gives a
    reproducible capture)."""
    challenge = session.liveness_challenge
    return json.dumps([challenge.get("colours"), challenge.get("prompt")], sort_keys=True)


def take_selfie(portrait_jpeg: bytes, species: str, seed_text: str) -> bytes:
    """A new selfie photo for this session (a fresh scene, white screen, full size).

    Re-sending the sample's ``selfie.jpg`` itself would be a replay of an earlier session's
    selfie (the service remembers perceptual hashes of selfies it has seen).
    """
    portrait = np.asarray(Image.open(io.BytesIO(portrait_jpeg)).convert("RGB"))
    still = {"colours": [], "prompt": {"action": "none", "start_ms": 0, "end_ms": 0}}
    options = RenderOptions(seed=zlib.crc32(f"selfie-{seed_text}".encode()))
    frames = encode_frames(simulate_capture(portrait, still, species, options), quality=92)
    return frames[0][1]


def read_chip(client: MobileClient, session: SessionStarted, folder: Path) -> None:
    """Upload the chip files and the AA signature the chip makes over the issued nonce."""
    for chip_file in sorted((folder / "chip").glob("*.bin")):
        client.put_chip_file(session, chip_file.stem, chip_file.read_bytes())
    key = load_aa_key(folder / "aa_key.pem")
    client.put_aa_signature(session, sign_nonce(key, bytes.fromhex(session.aa_nonce)))


def upload_frames(client: MobileClient, session: SessionStarted, frames: Frames) -> None:
    for index, (captured_at_ms, data) in enumerate(frames):
        client.put_frame(session, index, data, captured_at_ms)


def capture_and_submit(
    client: MobileClient,
    session: SessionStarted,
    chip_folder: Path,
    *,
    selfie_from: Path | None = None,
    species: str = "genuine",
    frames: Frames | None = None,
) -> tuple[SessionStatus, Frames]:
    """One attempt after consent: read the chip, photograph page and selfie, capture the
    liveness frames under this attempt's challenge, submit, wait for the outcome."""
    frames = capture_and_upload(
        client, session, chip_folder, selfie_from=selfie_from, species=species, frames=frames
    )
    client.submit(session)
    return client.wait(session), frames


def capture_and_upload(
    client: MobileClient,
    session: SessionStarted,
    chip_folder: Path,
    *,
    selfie_from: Path | None = None,
    species: str = "genuine",
    frames: Frames | None = None,
) -> Frames:
    """Everything of one attempt but the submit: chip files, page, selfie and frames."""
    person = person_of(chip_folder)
    portrait = ((selfie_from or person) / "selfie.jpg").read_bytes()
    read_chip(client, session, chip_folder)
    client.put_image(session, "PAGE", (person / "page_phone.jpg").read_bytes())
    client.put_image(session, "SELFIE", take_selfie(portrait, species, challenge_seed(session)))
    if frames is None:
        frames = render_frames(
            portrait, session.liveness_challenge, species, challenge_seed(session)
        )
    upload_frames(client, session, frames)
    return frames


def walk(
    client: MobileClient,
    invitation: str,
    chip_folder: Path,
    *,
    selfie_from: Path | None = None,
    species: str = "genuine",
    frames: Frames | None = None,
    follow_retries: bool = False,
) -> tuple[SessionStarted, SessionStatus, Frames]:
    """Start, consent, then one attempt (:func:`capture_and_submit`).

    ``follow_retries``: when the service asks for a retry (e.g. the head turned too late),
    do what the pensioner does — open the next attempt and capture again, while the
    service offers retries.
    """
    session = client.start(invitation)
    client.consent(session)
    status, taken = capture_and_submit(
        client, session, chip_folder, selfie_from=selfie_from, species=species, frames=frames
    )
    while follow_retries and status.status.value == "retry_requested":
        session = client.retry(session)
        status, taken = capture_and_submit(client, session, chip_folder, species=species)
    return session, status, taken


def _result(
    name: str, expected: str, started: float, status: SessionStatus | None, **extra: Any
) -> Result:
    out: Result = {
        "scenario": name,
        "expected": expected,
        "actual": status.status.value if status else extra.pop("actual", "error"),
        "seconds": round(time.monotonic() - started, 2),
    }
    if status is not None:
        out["reasons"] = status.reasons
        out["advice"] = status.advice
    out.update(extra)
    return out


def genuine_capture(client: MobileClient, folder: Path, invitation: str) -> tuple[Result, Frames]:
    """The genuine scenario, also returning the frames it uploaded (for ``replay``)."""
    started = time.monotonic()
    session, status, frames = walk(client, invitation, folder, follow_retries=True)
    return _result("genuine", "approved", started, status, attempts=session.attempt), frames


def continue_from_browser(
    client: MobileClient, folder: Path, handover: Handover, *, species: str = "genuine"
) -> Result:
    """The app continues a session the pensioner started and consented to on the web page
    (the page's hand-over QR code or deep link): chip, page, selfie, frames, submit, and
    the next attempts while the service asks for them."""
    started = time.monotonic()
    session = client.resume(handover)
    status, _ = capture_and_submit(client, session, folder, species=species)
    while status.status.value == "retry_requested":
        session = client.retry(session)
        status, _ = capture_and_submit(client, session, folder, species=species)
    expected = "approved" if species == "genuine" else "needs_review"
    return _result(f"{species}_from_browser", expected, started, status, attempts=session.attempt)


def chip_after_browser(client: MobileClient, folder: Path, handover: Handover) -> Result:
    """The app reads the chip of a session whose page photo, selfie and liveness frames the
    pensioner took in the browser (``leveattest/pensioner/static/capture.js``): what the
    service holds says so; a fresh AA nonce alone (the frames stay valid), the chip files
    and the signature, submit, wait. A retry needs the browser again, so the app stops
    there."""
    started = time.monotonic()
    session = client.resume(handover, renew="aa")
    held = {item.category for item in client.privacy(session).held}
    missing = {"page", "selfie", "liveness"} - held
    if missing:
        return _result(
            "chip_after_browser",
            "captured",
            started,
            None,
            actual="not_captured",
            missing=sorted(missing),
        )
    read_chip(client, session, folder)
    client.submit(session)
    status = client.wait(session)
    return _result("chip_after_browser", "decided", started, status, attempts=session.attempt)


def genuine(client: MobileClient, folder: Path, invitation: str) -> Result:
    return genuine_capture(client, folder, invitation)[0]


def genuine_expired_passport(client: MobileClient, folder: Path, invitation: str) -> Result:
    """A passport past its expiry date whose chip still verifies (``persons/p12``): the
    default policy accepts it — many pensioners no longer travel."""
    started = time.monotonic()
    session, status, _ = walk(client, invitation, folder, follow_retries=True)
    return _result(
        "genuine_expired_passport", "approved", started, status, attempts=session.attempt
    )


def impostor(client: MobileClient, folder: Path, invitation: str) -> Result:
    """The right chip, someone else's face (selfie and live capture)."""
    started = time.monotonic()
    _, status, _ = walk(client, invitation, folder, selfie_from=other_identity(folder))
    # a negative biometric outcome is never final without a person (GDPR art. 22)
    return _result("impostor", "needs_review", started, status)


def tampered_chip(client: MobileClient, folder: Path, invitation: str) -> Result:
    """``folder`` is ``negatives/tampered_dg1``: DG1 changed after the SOD was signed."""
    started = time.monotonic()
    _, status, _ = walk(client, invitation, folder)
    return _result("tampered_chip", "rejected", started, status)


def cloned_chip(client: MobileClient, folder: Path, invitation: str) -> Result:
    """``folder`` is ``negatives/cloned_chip_*``: its AA key does not match DG15.

    A failed clone check may be a bad read: the service asks to read the chip again; the
    phone does, while retries are offered, and after the last one a person decides
    (inconclusive clone detection after retries goes to review)."""
    started = time.monotonic()
    session, status, _ = walk(client, invitation, folder, follow_retries=True)
    return _result("cloned_chip", "needs_review", started, status, attempts=session.attempt)


def printed_photo(client: MobileClient, folder: Path, invitation: str) -> Result:
    started = time.monotonic()
    _, status, _ = walk(client, invitation, folder, species="print")
    return _result("printed_photo", "needs_review", started, status)


OTHER_PROMPT = {"turn_left": "turn_right", "turn_right": "blink", "blink": "turn_left"}


def replay(
    client: MobileClient, folder: Path, invitation: str, earlier: Frames | None = None
) -> Result:
    """Frames captured for an earlier session's challenge, re-sent under the new one.

    ``earlier``: the frames a previous session of the same person uploaded (the service
    has their perceptual hashes); without them a genuine capture is rendered for a
    different (earlier) challenge: the colour sequence reversed and another prompt.
    """
    started = time.monotonic()
    if earlier is None:
        session = client.start(invitation)
        old = dict(session.liveness_challenge)
        colours = list(old["colours"])
        rgbs = [step["rgb"] for step in reversed(colours)]
        old["colours"] = [{**step, "rgb": rgbs[i]} for i, step in enumerate(colours)]
        action = old["prompt"]["action"]
        old["prompt"] = {**old["prompt"], "action": OTHER_PROMPT.get(action, "turn_left")}
        selfie = (person_of(folder) / "selfie.jpg").read_bytes()
        earlier = render_frames(selfie, old, "genuine", "earlier" + challenge_seed(session))
        status = _finish(client, session, folder, earlier)
    else:
        _, status, _ = walk(client, invitation, folder, frames=earlier)
    return _result("replay", "needs_review", started, status)


def _finish(
    client: MobileClient, session: SessionStarted, folder: Path, frames: Frames
) -> SessionStatus:
    client.consent(session)
    return capture_and_submit(client, session, folder, frames=frames)[0]


def withdraw_consent(client: MobileClient, folder: Path, invitation: str) -> Result:
    """Consent, upload the chip and the selfie, then withdraw: everything is deleted."""
    started = time.monotonic()
    session = client.start(invitation)
    client.consent(session)
    read_chip(client, session, folder)
    client.put_image(session, "SELFIE", (person_of(folder) / "selfie.jpg").read_bytes())
    receipt = client.withdraw(session)
    status = client.status(session)
    held = client.privacy(session).held
    return _result(
        "withdraw_consent",
        "withdrawn",
        started,
        status,
        deleted_items=sum(item.count for item in receipt.items),
        held_after=sum(h.count for h in held),
    )


def foreign_passport_dnummer(client: MobileClient, folder: Path, invitation: str) -> Result:
    """``persons/p03``: a Swedish passport without a Norwegian number on the chip; her
    payer knows her by D-nummer. The register links the chip to the invited person by name
    and birth date (ICAO transliteration: ÅKESSON → AAKESSON), records the passport as
    her alias, and the payer sees ``certified`` by the D-nummer."""
    started = time.monotonic()
    session, status, _ = walk(client, invitation, folder, follow_retries=True)
    return _result(
        "foreign_passport_dnummer", "approved", started, status, attempts=session.attempt
    )


def retry_after_withdrawal(client: MobileClient, folder: Path, invitation: str) -> Result:
    """The pensioner withdraws, then scans the same letter again: a fresh session (new id
    and token) is approved; the withdrawn one stays closed."""
    started = time.monotonic()
    first = client.start(invitation)
    client.consent(first)
    client.withdraw(first)
    session, status, _ = walk(client, invitation, folder, follow_retries=True)
    return _result(
        "retry_after_withdrawal",
        "approved",
        started,
        status,
        attempts=session.attempt,
        fresh_session=session.session_id != first.session_id,
        first_status=client.status(first).status.value,
    )


BAD_UPLOADS: dict[str, str] = {
    "wrong_content_type": "upload_unsupported_type",
    "truncated": "upload_truncated",
    "oversized": "upload_too_large",
    "before_consent": "consent_required",
    "unknown_part": "upload_part_unknown",
    "incomplete_submit": "session_incomplete",
}


def bad_uploads(client: MobileClient, folder: Path, invitation: str) -> Result:
    """Malformed uploads: each must answer its problem code; the session survives."""
    started = time.monotonic()
    person = person_of(folder)
    page = (person / "page_phone.jpg").read_bytes()
    session = client.start(invitation)
    codes: dict[str, str] = {}

    def probe(name: str, call: Callable[[], object]) -> None:
        try:
            call()
            codes[name] = "accepted"
        except ApiProblemError as exc:
            codes[name] = exc.code

    probe("before_consent", lambda: client.put_image(session, "PAGE", page))
    client.consent(session)
    probe("wrong_content_type", lambda: client.put_part(session, "PAGE", page, "text/plain"))
    probe("truncated", lambda: client.put_image(session, "PAGE", page[: len(page) // 2]))
    oversized = b"\xff\xd8\xff\xe0" + b"\0" * (13 * 1024 * 1024) + b"\xff\xd9"
    probe("oversized", lambda: client.put_image(session, "PAGE", oversized))
    probe("unknown_part", lambda: client.put_part(session, "DG99", b"\x61\x00", "x/y"))
    probe("incomplete_submit", lambda: client.submit(session))
    status = client.status(session)
    ok = all(codes.get(k) == v for k, v in BAD_UPLOADS.items())
    return {
        "scenario": "bad_uploads",
        "expected": "problems",
        "actual": "problems" if ok else "unexpected",
        "seconds": round(time.monotonic() - started, 2),
        "codes": codes,
        "session_status": status.status.value,
    }


Scenario = Callable[[MobileClient, Path, str], Result]
SCENARIOS: dict[str, Scenario] = {
    "genuine": genuine,
    "genuine_expired_passport": genuine_expired_passport,
    "impostor": impostor,
    "tampered_chip": tampered_chip,
    "cloned_chip": cloned_chip,
    "replay": replay,
    "printed_photo": printed_photo,
    "withdraw_consent": withdraw_consent,
    "bad_uploads": bad_uploads,
    "foreign_passport_dnummer": foreign_passport_dnummer,
    "retry_after_withdrawal": retry_after_withdrawal,
}
# the sample folder each scenario uses, relative to the samples root: one pensioner each
# (with a Norwegian identity number, so the register can invite them), except that the
# replay re-sends the genuine pensioner's capture, the chip attacks carry the chip of
# their negative sample, and the retry after a withdrawal uses the letter of the
# pensioner who withdrew before
FOLDERS: dict[str, str] = {
    "genuine": "persons/p01",
    "genuine_expired_passport": "persons/p12",
    "impostor": "persons/p09",
    "tampered_chip": "negatives/tampered_dg1",
    "cloned_chip": "negatives/cloned_chip_ec",
    "replay": "persons/p01",
    "printed_photo": "persons/p06",
    "withdraw_consent": "persons/p08",
    "bad_uploads": "persons/p11",
    "foreign_passport_dnummer": "persons/p03",
    "retry_after_withdrawal": "persons/p08",
}
DEFAULT_PERSON = "persons/p01"


def folder_for(samples: Path, scenario: str) -> Path:
    return samples / FOLDERS.get(scenario, DEFAULT_PERSON)
