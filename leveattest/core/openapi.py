"""Finishing the OpenAPI documents of the mobile API and the register (plain dicts).

Framework-free, like ``leveattest.core.problems``: each app hands FastAPI's document to
:func:`finish_document` from its own ``openapi()``. Two things FastAPI does not do:

* an error response declared with a model is published under the route's media type
  (``application/json``); ours are ``application/problem+json``, so every 4xx/5xx
  response's schema is moved there;
* a request body that the handler reads itself (the register reads its bodies with a size
  limit and keeps its own error codes) is not seen by FastAPI: its pydantic model is
  published under ``components/schemas`` here and referenced with :func:`json_body` or
  :func:`form_body` in the route's ``openapi_extra``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

PROBLEM_JSON = "application/problem+json"
SCHEMA_REF = "#/components/schemas/{model}"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def json_body(model: type[BaseModel], description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` for a JSON request body the handler validates with ``model``."""
    body: dict[str, Any] = {
        "required": True,
        "content": {"application/json": {"schema": schema_ref(model)}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def form_body(model: type[BaseModel], description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` for an ``application/x-www-form-urlencoded`` request body."""
    body: dict[str, Any] = {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": schema_ref(model)}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def component_schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """The JSON Schemas of ``models`` (and of the models they use), by name, with
    references into ``components/schemas``."""
    _, top = models_json_schema(
        [(model, "validation") for model in models], ref_template=SCHEMA_REF
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


def enum_schema(enum: type[Enum]) -> dict[str, Any]:
    """The JSON Schema of a string enum, for :func:`finish_document`'s ``schemas``."""
    schema: dict[str, Any] = TypeAdapter(enum).json_schema()
    return schema


def finish_document(
    document: dict[str, Any],
    *,
    request_models: Iterable[type[BaseModel]] = (),
    schemas: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Add ``request_models`` and ``schemas`` (by name) to the components and publish
    error responses as ``application/problem+json`` (in place; returns ``document``)."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in {**component_schemas(request_models), **(schemas or {})}.items():
        components.setdefault(name, schema)
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _METHODS:
                continue
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45" or status == "default":
                    _as_problem_json(response)
    return document


def _as_problem_json(response: dict[str, Any]) -> None:
    content = response.get("content")
    if not content:
        return
    schema = next((media["schema"] for media in content.values() if media.get("schema")), None)
    problem: dict[str, Any] = {"schema": schema} if schema is not None else {}
    response["content"] = {PROBLEM_JSON: problem}
