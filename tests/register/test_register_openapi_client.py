"""The register's OpenAPI document is valid OpenAPI 3.1 and a client generated from it
(openapi-python-client, from the running server's ``/register/v1/openapi.json``, no hand
edits) gets a token with a private_key_jwt assertion, registers a relationship and
reads a signed status, batch and changes page; its problem answers parse too."""

from __future__ import annotations

import importlib
from typing import Any

from openapi_clients import generated_client, live_server
from openapi_spec_validator import validate
from register_testkit import certify, nid, person

from register.company_client import verify_batch, verify_statement


def _modules(package: str, *names: str) -> list[Any]:
    return [importlib.import_module(f"{package}.{name}") for name in names]


def test_the_register_document_is_openapi_3_1_with_the_security_scheme_and_stable_ids(app):
    document = app.openapi()
    validate(document)  # raises on an invalid document (3.1, detected from "openapi")
    assert document["openapi"].startswith("3.1")
    flow = document["components"]["securitySchemes"]["companyOAuth"]["flows"]
    assert flow["clientCredentials"]["tokenUrl"] == "/register/v1/oauth/token"
    operations = {
        op["operationId"]: (path, op)
        for path, item in document["paths"].items()
        for op in item.values()
    }
    assert set(operations) == {
        "requestToken",
        "registerRelationship",
        "getPersonStatus",
        "getBatchStatus",
        "getChanges",
        "requestCertificate",
        "getJwks",
        "getSubjectAccessReport",
    }
    scopes = {name: op.get("security") for name, (_, op) in operations.items()}
    assert scopes == {
        "requestToken": None,
        "getJwks": None,
        "registerRelationship": [{"companyOAuth": ["register.relationships"]}],
        "getPersonStatus": [{"companyOAuth": ["register.read"]}],
        "getBatchStatus": [{"companyOAuth": ["register.read"]}],
        "getChanges": [{"companyOAuth": ["register.read"]}],
        "requestCertificate": [{"companyOAuth": ["register.requests"]}],
        "getSubjectAccessReport": [{"companyOAuth": ["register.subject_access"]}],
    }
    _, status = operations["getPersonStatus"]
    assert status["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StatusRequest"
    }
    not_found = status["responses"]["404"]
    assert "register_not_found" in not_found["description"]
    assert list(not_found["content"]) == ["application/problem+json"]
    _, token = operations["requestToken"]
    assert "security" not in token
    assert "register_assertion_replayed" in token["responses"]["401"]["description"]


def test_a_generated_client_gets_a_token_and_signed_answers(
    app, make_company, register_client, tmp_path
):
    company = make_company("pension-generated")
    certify(register_client, 0, "session-generated-0")
    with live_server(app) as base:
        url = f"{base}/register/v1/openapi.json"
        with generated_client(url, tmp_path, "generated_register_client") as (package, messages):
            assert messages == []
            client, models = _modules(package.__name__, "client", "models")
            request_token, register_relationship, get_person_status = _modules(
                package.__name__,
                "api.auth.request_token",
                "api.relationships.register_relationship",
                "api.status.get_person_status",
            )
            get_batch_status, get_changes, get_jwks, request_certificate = _modules(
                package.__name__,
                "api.status.get_batch_status",
                "api.status.get_changes",
                "api.keys.get_jwks",
                "api.requests.request_certificate",
            )
            with client.Client(base_url=base) as anonymous:
                grant = request_token.sync(
                    client=anonymous,
                    body=models.TokenRequest(
                        client_assertion=company.client.client_assertion(),
                        scope="register.read register.relationships",
                    ),
                )
                assert isinstance(grant, models.TokenResponse), grant
                assert grant.scope == "register.read register.relationships"

                jwks = get_jwks.sync(client=anonymous).to_dict()
            with client.AuthenticatedClient(base_url=base, token=grant.access_token) as authorised:
                statement = company.client.payment_statement(person(0), "AGR-GEN-1", "2026-02")
                receipt = register_relationship.sync(
                    client=authorised, body=models.RelationshipRequest(statement=statement)
                )
                assert isinstance(receipt, models.RelationshipRegistered), receipt
                assert receipt.valid_to.isoformat() == "2026-05-31"

                answer = get_person_status.sync(
                    client=authorised,
                    body=models.StatusRequest(person=models.PersonRef(national_id=nid(0))),
                )
                assert isinstance(answer, models.SignedStatement), answer
                claims = verify_statement(answer.statement, jwks)
                assert claims["person"] == person(0)
                assert claims["status"]["state"] == "certified"

                refused = get_person_status.sync_detailed(
                    client=authorised,
                    body=models.StatusRequest(person=models.PersonRef(national_id=nid(1))),
                )
                assert refused.status_code == 404
                assert refused.parsed.code == "register_not_found"

                batch = get_batch_status.sync_detailed(
                    client=authorised,
                    body=models.BatchStatusRequest(
                        persons=[
                            models.PersonRef(national_id=nid(0)),
                            models.PersonRef(national_id="1"),
                        ]
                    ),
                )
                assert batch.status_code == 200
                lines = [line + b"\n" for line in batch.content.split(b"\n") if line]
                records, _ = verify_batch(lines, jwks)
                assert [r["result"] for r in records] == ["found", "invalid"]

                page = get_changes.sync(client=authorised, limit=10)
                assert isinstance(page, models.SignedStatement), page
                assert verify_statement(page.statement, jwks)["has_more"] is False

                not_granted = request_certificate.sync_detailed(
                    client=authorised,
                    body=models.CertificateRequestBody(person=models.PersonRef(national_id=nid(0))),
                )
                assert not_granted.status_code == 403
                assert not_granted.parsed.code == "register_insufficient_scope"
