"""The register's own signing keys (ES256) and the JWKS it publishes.

Keys live in a private JWK set file; ``rotate`` adds a new key that becomes the signer
while older keys stay published (and can be dropped once no answer signed by them is
still being verified). Test keys are generated in memory.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from leveattest.core.errors import ConfigurationError

SIGNING_ALG = "ES256"
ACCEPTED_ALGS = ("ES256", "ES384", "PS256", "RS256")


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
        try:
            data = json.loads(path.read_text())
            keys = [ECKey.import_key(entry) for entry in data["keys"]]
        except (OSError, ValueError, KeyError, JoseError) as exc:
            raise ConfigurationError("register signing keys could not be read") from exc
        return cls(keys)

    @classmethod
    def load_or_create(cls, path: Path) -> RegisterKeys:
        if path.exists():
            return cls.load(path)
        keys = cls.generate()
        keys.save(path)
        return keys

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"keys": [key.as_dict(private=True) for key in self._keys]})
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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
