"""Guards that no well-formed trust store or certificate reaches, proved on stand-ins:
a link-certificate path stops at a loop and after four roll-overs, and a DSC whose
private-key-usage-period extension cannot be read gives no usage period, nor one whose times
lack their "Z" (found by the SOD fuzz test: comparing them raised a TypeError)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from asn1crypto import x509

from leveattest.emrtd import passive, reftime


@dataclass(eq=False)
class _Link:
    name: str
    source: dict[str, Any] = field(default_factory=lambda: {"kind": "link"})


def _issuers(pairs: dict[_Link, _Link]) -> Any:
    return lambda current, _trust: (pairs.get(current), [])


def test_a_link_path_stops_where_it_loops(monkeypatch: pytest.MonkeyPatch):
    a, b = _Link("a"), _Link("b")
    monkeypatch.setattr(passive, "_find_issuer", _issuers({a: b, b: a}))
    assert passive._path_to_anchor(a, None) == (a, b)  # type: ignore[arg-type]


def test_a_link_path_follows_at_most_four_roll_overs(monkeypatch: pytest.MonkeyPatch):
    links = [_Link(str(i)) for i in range(8)]
    monkeypatch.setattr(passive, "_find_issuer", _issuers(dict(itertools.pairwise(links))))
    path = passive._path_to_anchor(links[0], None)  # type: ignore[arg-type]
    assert path == tuple(links[:5])


class _Unreadable:
    @property
    def private_key_usage_period_value(self) -> Any:
        raise ValueError("a broken GeneralizedTime")


@dataclass
class _Dsc:
    cert: Any = field(default_factory=_Unreadable)


def test_an_unreadable_usage_period_gives_no_bounds():
    assert reftime._usage_period(_Dsc()) == (None, None)  # type: ignore[arg-type]


class _LocalTimes:
    """A usage period whose GeneralizedTimes carry no "Z" (the parser gives naive times)."""

    @property
    def private_key_usage_period_value(self) -> Any:
        der = b"\x30\x20\x80\x0e20200101000000\x81\x0e20210101000000"
        return x509.PrivateKeyUsagePeriod.load(der)


def test_a_usage_period_in_local_time_is_malformed_not_a_crash():
    at = datetime(2020, 6, 1, tzinfo=UTC)
    window = reftime._pkup_window(_Dsc(cert=_LocalTimes()), at)  # type: ignore[arg-type]
    assert window == (None, "malformed")
