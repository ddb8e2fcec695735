"""Helpers for the OpenAPI client tests: serve an app on loopback, generate a client from
its live ``openapi.json`` with openapi-python-client (its Python API, no post hooks, no
hand edits) and import it.

The generator is configured only where its defaults cannot express our documents:
``application/x-ndjson`` (the register's batch answer) is read as bytes.
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import uvicorn
from openapi_python_client import generate
from openapi_python_client.config import Config, ConfigFile, MetaType
from openapi_python_client.parser.errors import GeneratorError


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free port of 127.0.0.1 (a thread); yields its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_config=None, lifespan="off", loop="asyncio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(400):  # a bound on waiting for the start, not a timing assertion
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def generated_client(
    document_url: str, folder: Path, package: str
) -> Iterator[tuple[ModuleType, list[GeneratorError]]]:
    """Generate a client package ``package`` in ``folder`` from the document at
    ``document_url``, import it, and yield it with the generator's messages."""
    config = Config.from_sources(
        ConfigFile(
            post_hooks=[],  # no formatter run: the generated code is used as written
            content_type_overrides={"application/x-ndjson": "application/octet-stream"},
            http_timeout=30,
        ),
        MetaType.NONE,
        document_url,
        "utf-8",
        True,
        folder / package,
    )
    messages = list(generate(config=config))
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(package), messages
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
