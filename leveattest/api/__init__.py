"""The mobile verification API (FastAPI, ``/v1``)."""

from leveattest.api.app import create_app

__all__ = ["create_app"]
