"""Staff sign-in: the identity-provider seam, local accounts (argon2 + TOTP), sessions.

``IdentityProvider`` is the seam: production may put an OIDC provider behind it; the
local provider checks an argon2 password hash and a TOTP code, refuses a code of a
time step already used (replay), and locks the account after repeated second-factor
failures that followed the right password.
Outcomes are data (``SignInResult``): the caller commits the failure counter and the
audit event, then refuses. Sessions are server-side rows keyed by the SHA-256 of the
cookie token, with an idle and an absolute expiry and their own CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from leveattest.review.errors import AccountError, NotSignedInError
from leveattest.review.models import Role, StaffAccount, StaffSession
from leveattest.review.settings import ReviewSettings
from leveattest.storage.envelope import MasterKey

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-real-password-only-for-equal-timing")
MIN_PASSWORD_CHARS = 12


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    totp: str


@dataclass(frozen=True)
class SignInResult:
    """The account when every factor passed; otherwise ``failure`` names why (a code)."""

    account: StaffAccount | None
    failure: str | None = None


class IdentityProvider(Protocol):
    """Who is signing in. The local provider below; an OIDC provider fits the same seam
    (its ``authenticate`` would check the authorisation-code callback instead)."""

    name: str

    def authenticate(self, db: Session, credentials: Credentials, at: datetime) -> SignInResult:
        """Check the credentials; update failure counters (the caller commits)."""
        ...


def normalise_username(username: str) -> str:
    return username.strip().lower()[:64]


def account_by_name(db: Session, username: str, *, for_update: bool = False) -> StaffAccount | None:
    query = select(StaffAccount).where(StaffAccount.username == normalise_username(username))
    if for_update:  # two sign-ins with one TOTP code: the second waits, then sees the step used
        query = query.with_for_update()
    return db.scalars(query).one_or_none()


def totp_context(account_id: str) -> str:
    """What a sealed TOTP secret is bound to (``MasterKey.wrap``'s context)."""
    return f"ops-totp|{account_id}"


def seal_secret(master: MasterKey, account_id: str, secret: str) -> bytes:
    return master.wrap(secret.encode(), context=totp_context(account_id))


def open_secret(master: MasterKey, account: StaffAccount) -> str:
    return master.unwrap(
        account.totp_secret_sealed or b"", context=totp_context(account.id)
    ).decode()


def totp_step(secret: str, code: str, at: datetime, window: int) -> int | None:
    """The time step whose code equals ``code`` (within +/- ``window`` steps), or None."""
    totp = pyotp.TOTP(secret)
    code = code.strip()
    if len(code) != totp.digits or not code.isdigit():
        return None
    now_step = totp.timecode(at)
    for step in range(now_step - window, now_step + window + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _password_matches(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


class LocalIdentityProvider:
    """Local staff accounts: argon2id password, TOTP second factor, lock-out."""

    name = "local"

    def __init__(self, settings: ReviewSettings, master: MasterKey) -> None:
        self._settings = settings
        self._master = master

    def authenticate(self, db: Session, credentials: Credentials, at: datetime) -> SignInResult:
        """A wrong password never counts towards the lock-out (guessing passwords is
        limited per address instead), so nobody locks an account by its name alone; only
        a wrong or replayed TOTP code after the right password does. A locked account
        answers a wrong password and a right one alike (``account_locked`` is only audited),
        so the answer tells nothing about which names exist or which are locked."""
        account = account_by_name(db, credentials.username, for_update=True)
        if account is None or account.provider != self.name:
            _password_matches(None, credentials.password)  # same work for unknown names
            return SignInResult(None, "unknown_account")
        if not _password_matches(account.password_hash, credentials.password):
            return SignInResult(account, "password_wrong")
        if account.locked_until is not None and account.locked_until > at:
            return SignInResult(account, "account_locked")
        if account.disabled_at is not None:
            return SignInResult(account, "account_disabled")
        secret = open_secret(self._master, account)
        step = totp_step(secret, credentials.totp, at, self._settings.totp_valid_window)
        if step is None:
            return self._failed(account, at, "totp_wrong")
        if account.last_totp_step is not None and step <= account.last_totp_step:
            return self._failed(account, at, "totp_replayed")
        account.last_totp_step = step
        account.failed_sign_ins, account.locked_until = 0, None
        if _HASHER.check_needs_rehash(account.password_hash or ""):
            account.password_hash = _HASHER.hash(credentials.password)
        return SignInResult(account)

    def _failed(self, account: StaffAccount, at: datetime, failure: str) -> SignInResult:
        account.failed_sign_ins = (account.failed_sign_ins or 0) + 1
        if account.failed_sign_ins >= self._settings.max_failed_sign_ins:
            account.locked_until = at + timedelta(minutes=self._settings.lockout_minutes)
            account.failed_sign_ins = 0
        return SignInResult(account, failure)


@dataclass(frozen=True)
class NewAccount:
    account: StaffAccount
    password: str
    totp_secret: str
    provisioning_uri: str


def create_account(
    db: Session,
    master: MasterKey,
    settings: ReviewSettings,
    at: datetime,
    *,
    username: str,
    role: str,
    password: str | None = None,
) -> NewAccount:
    """A local account with a fresh TOTP secret (shown once; stored only sealed)."""
    name = normalise_username(username)
    if not _USERNAME.match(name):
        raise AccountError("user names are 2-64 of a-z, 0-9, '.', '_' and '-'")
    if role not in {r.value for r in Role}:
        raise AccountError("unknown role", roles=[r.value for r in Role])
    if account_by_name(db, name) is not None:
        raise AccountError("that user name is taken")
    password = password if password is not None else secrets.token_urlsafe(18)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"passwords need at least {MIN_PASSWORD_CHARS} characters")
    account_id = secrets.token_hex(16)
    secret = pyotp.random_base32()
    account = StaffAccount(
        id=account_id,
        username=name,
        role=role,
        provider="local",
        password_hash=_HASHER.hash(password),
        totp_secret_sealed=seal_secret(master, account_id, secret),
        failed_sign_ins=0,
        created_at=at,
    )
    db.add(account)
    db.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=settings.totp_issuer)
    return NewAccount(account, password, secret, uri)


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    db: Session, account: StaffAccount, at: datetime, settings: ReviewSettings
) -> tuple[str, StaffSession]:
    """A new server-side session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        id=_token_id(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        last_seen_at=at,
        expires_at=at + timedelta(hours=settings.session_absolute_hours),
    )
    db.add(row)
    return token, row


def resolve_session(
    db: Session, token: str | None, at: datetime, settings: ReviewSettings
) -> tuple[StaffSession, StaffAccount]:
    """The live session of a cookie token (touched), or ``NotSignedInError`` with a reason."""
    if not token or len(token) > 128:
        raise NotSignedInError(reason="no_session")
    row = db.get(StaffSession, _token_id(token))
    if row is None or row.ended_at is not None:
        raise NotSignedInError(reason="no_session")
    idle_limit = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if at >= row.expires_at or at >= idle_limit:
        row.ended_at = at
        raise NotSignedInError(reason="session_expired")
    account = db.get(StaffAccount, row.account_id)
    if account is None or account.disabled_at is not None:
        row.ended_at = at
        raise NotSignedInError(reason="account_disabled")
    row.last_seen_at = at
    return row, account


def end_session(db: Session, token: str | None, at: datetime) -> None:
    if token and len(token) <= 128:
        row = db.get(StaffSession, _token_id(token))
        if row is not None and row.ended_at is None:
            row.ended_at = at


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())
