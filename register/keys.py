"""The register's own signing keys (ES256) and the JWKS it publishes.

Keys live in a private JWK set file; ``rotate`` adds a new key that becomes the signer
while older keys stay published (and can be dropped once no answer signed by them is
still being verified). Test keys are generated in memory.

Development creates the file on first use; production never does (every API host must
sign with the same keys, docs/deployment.md): there a missing file is
:class:`SigningKeysMissingError`, and ``leveattest register signing-key create`` makes
the file once, explicitly (:meth:`RegisterKeys.create`).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from leveattest.core.errors import ConfigurationError

if TYPE_CHECKING:
    from leveattest.core.settings import RegisterSettings

SIGNING_ALG = "ES256"
CREATE_COMMAND = "leveattest register signing-key create"
ACCEPTED_ALGS = ("ES256", "ES384", "PS256", "RS256")


class SigningKeysMissingError(ConfigurationError):
    """The register's signing key file is missing."""

    code = "register_signing_key_missing"


class SigningKeysExistError(ConfigurationError):
    """The register's signing key file exists already; it is never overwritten."""

    code = "register_signing_key_exists"


def new_signing_key(kid: str | None = None) -> ECKey:
    kid = kid or f"reg-{secrets.token_hex(6)}"
    return ECKey.generate_key(
        "P-256", parameters={"kid": kid, "use": "sig", "alg": SIGNING_ALG}, private=True
    )


class RegisterKeys:
    """Private keys; the last one signs. ``jwks()`` publishes all public halves."""

    def __init__(self, keys: list[ECKey]) -> None:
        if not keys:
            raise ConfigurationError("the register has no signing key")
        self._keys = list(keys)
        self._set = KeySet(list(self._keys))

    @classmethod
    def generate(cls) -> RegisterKeys:
        return cls([new_signing_key()])

    @classmethod
    def load(cls, path: Path) -> RegisterKeys:
        """The keys in ``path``; a missing file is :class:`SigningKeysMissingError`."""
        try:
            data = json.loads(path.read_text())
            keys = [ECKey.import_key(entry) for entry in data["keys"]]
        except FileNotFoundError as exc:
            raise SigningKeysMissingError(
                "the register's signing key file (LEVEATTEST_REGISTER__SIGNING_KEYS_PATH) "
                "does not exist, and production never creates one: make it once with "
                f"`{CREATE_COMMAND}` and copy the same file to every API host "
                "(docs/deployment.md)",
                setting="register.signing_keys_path",
            ) from exc
        except (OSError, ValueError, KeyError, JoseError) as exc:
            raise ConfigurationError("register signing keys could not be read") from exc
        return cls(keys)

    @classmethod
    def load_or_create(cls, path: Path) -> RegisterKeys:
        """Development: the keys in ``path``, made and saved there first when missing."""
        if path.exists():
            return cls.load(path)
        keys = cls.generate()
        keys.save(path)
        return keys

    @classmethod
    def from_file(cls, path: Path, *, create: bool) -> RegisterKeys:
        """The keys in ``path``; a missing file is made (``create``: development) or refused
        (production: :class:`SigningKeysMissingError`, naming the command that makes it)."""
        return cls.load_or_create(path) if create else cls.load(path)

    @classmethod
    def from_settings(cls, settings: RegisterSettings) -> RegisterKeys:
        """The keys of ``signing_keys_path``, made there when missing only where
        ``create_signing_keys`` (development; never in production)."""
        return cls.from_file(settings.signing_keys_path, create=settings.create_signing_keys)

    @classmethod
    def create(cls, path: Path) -> RegisterKeys:
        """New keys saved to a new file ``path`` (0600); an existing file is never
        overwritten (:class:`SigningKeysExistError`)."""
        keys = cls.generate()
        keys.save(path, exclusive=True)
        return keys

    def save(self, path: Path, *, exclusive: bool = False) -> None:
        """Write the private JWK set, readable by the owner only; ``exclusive`` refuses an
        existing file (checked by the ``open`` call itself, so two callers cannot both win)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"keys": [key.as_dict(private=True) for key in self._keys]})
        flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError as exc:
            raise SigningKeysExistError(
                "the register's signing key file exists already and is never overwritten "
                "(answers signed with its keys must stay verifiable)",
                setting="register.signing_keys_path",
            ) from exc
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)

    def rotate(self) -> RegisterKeys:
        return RegisterKeys([*self._keys, new_signing_key()])

    @property
    def current_kid(self) -> str:
        return str(self._keys[-1].kid)

    @property
    def key_set(self) -> KeySet:
        return self._set

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.as_dict(private=False) for key in self._keys]}

    def sign(self, payload: bytes, *, typ: str) -> str:
        header = {"alg": SIGNING_ALG, "kid": self.current_kid, "typ": typ}
        return jws.serialize_compact(header, payload, self._keys[-1], algorithms=[SIGNING_ALG])

    def sign_json(self, claims: Mapping[str, Any], *, typ: str) -> str:
        return self.sign(canonical_json(claims), typ=typ)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that are hashed and signed.

    One encoder for the process: ``json.dumps`` with these options builds a new
    ``JSONEncoder`` on every call, which costs more than encoding a small value.
    """
    return _CANONICAL.encode(value).encode()
