"""Synthetic PKI fixtures for the chip-verification tests (test keys, generated per run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from emrtd_builder import Pki

from leveattest.emrtd.trust import FileTrustStore


@pytest.fixture(scope="session")
def ec_pki() -> Pki:
    return Pki(kind="ec", csca_cn="EC CSCA")


@pytest.fixture(scope="session")
def rsa_pki() -> Pki:
    return Pki(kind="rsa", csca_cn="RSA CSCA")


@pytest.fixture(scope="session")
def ec_store(ec_pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> FileTrustStore:
    folder: Path = tmp_path_factory.mktemp("ec_store")
    return FileTrustStore([ec_pki.write_store(folder, crl=ec_pki.crl())])


@pytest.fixture(scope="session")
def rsa_store(rsa_pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> FileTrustStore:
    folder: Path = tmp_path_factory.mktemp("rsa_store")
    return FileTrustStore([rsa_pki.write_store(folder, crl=rsa_pki.crl())])
