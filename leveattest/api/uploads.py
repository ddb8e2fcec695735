"""Binary uploads: ``PUT /v1/sessions/{id}/parts/{part}`` and ``.../frames/{index}``.

The body is the raw part. Its declared type and length are checked first; the body is
then streamed and cut off at the part's size limit (413), so a 100 MB upload is never
held in memory. Magic bytes and completeness are checked before anything is stored.

Everything blocking runs in the threadpool, never in the event loop: the session check,
hashing, encryption and the disk write of the blob (staged before the unit of work, so
the database transaction holds no lock across them), and the unit of work itself. The
check before the body is answered from :class:`~leveattest.api.admission.UploadAdmissions`
when a recent upload of the session passed it (no thread hop, no connection); the unit
of work checks again, under the session's row lock, and decides.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import WithJsonSchema
from starlette.concurrency import run_in_threadpool

from leveattest.api.admission import UploadAdmissions
from leveattest.api.deps import Context, Token
from leveattest.api.routes import PROBLEMS
from leveattest.contracts.sessions import CHIP_PARTS, IMAGE_PARTS, UploadPart, UploadReceipt
from leveattest.persistence import SNAPSHOT_READ
from leveattest.sessions import repository
from leveattest.sessions.context import SessionContext, blob_owner
from leveattest.sessions.errors import (
    UploadLimitError,
    UploadPartUnknownError,
    UploadTooLargeError,
)
from leveattest.sessions.parts import PartSpec, check_declared, frame_slot, part_spec
from leveattest.sessions.service import require_collecting
from leveattest.sessions.uploads import IncomingPart, record_upload, stage_upload

router = APIRouter(prefix="/v1/sessions", tags=["uploads"], responses=PROBLEMS)
# published as the UploadPart enum; read as a string, so an unknown part keeps its own
# answer (404 upload_part_unknown) instead of a generic validation error
PUBLISHED_AS_UPLOAD_PART = WithJsonSchema({"$ref": f"#/components/schemas/{UploadPart.__name__}"})
_BINARY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def read_capped(request: Request, spec: PartSpec) -> tuple[str, bytes]:
    declared = request.headers.get("content-length")
    media = check_declared(
        spec,
        request.headers.get("content-type"),
        int(declared) if declared and declared.isdigit() else None,
    )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > spec.max_bytes:
            raise UploadTooLargeError(max=spec.max_bytes)
        chunks.append(chunk)
    return media, b"".join(chunks)


def _store(
    ctx: SessionContext,
    admissions: UploadAdmissions,
    session_id: str,
    token: str,
    part: IncomingPart,
    *,
    owner: str,
) -> tuple[UploadReceipt, bool]:
    staged = stage_upload(ctx, owner, part)
    try:
        with ctx.unit_of_work() as db:
            if part.spec.category == "liveness":  # the session and its challenges at once
                row, challenges = repository.authorised_session_with_challenges(
                    db, session_id, token
                )
                result = record_upload(db, ctx, row, part, staged, challenges=challenges)
            else:
                row = repository.authorised_session(db, session_id, token, for_update=True)
                result = record_upload(db, ctx, row, part, staged)
            admitted = (blob_owner(row.id, row.attempt), row.expires_at)
    except BaseException:
        admissions.forget(session_id)
        raise
    finally:
        if staged is not None:
            staged.discard()
    admissions.admit(session_id, token, admitted[0], ctx.clock.now(), admitted[1])
    return result


async def _admitted_owner(
    request: Request, ctx: SessionContext, session_id: str, token: str
) -> str:
    """The check before the body: remembered, or asked of the database (and remembered)."""
    admissions = _admissions(request)
    remembered = admissions.owner(session_id, token, ctx.clock.now())
    if remembered is not None:
        return remembered
    owner, expires_at = await run_in_threadpool(_authorise, ctx, session_id, token)
    admissions.admit(session_id, token, owner, ctx.clock.now(), expires_at)
    return owner


def _admissions(request: Request) -> UploadAdmissions:
    admissions: UploadAdmissions = request.app.state.upload_admissions
    return admissions


@router.put(
    "/{session_id}/parts/{part}",
    response_model=UploadReceipt,
    status_code=201,
    operation_id="uploadPart",
    openapi_extra=_BINARY,
    responses={200: {"model": UploadReceipt, "description": "same bytes again, or replaced"}},
)
async def upload_part(
    session_id: str,
    *,
    part: Annotated[str, Path(description="the part uploaded"), PUBLISHED_AS_UPLOAD_PART],
    ctx: Context,
    token: Token,
    request: Request,
    response: Response,
    nonce: Annotated[
        str | None, Query(max_length=64, description="AA_SIGNATURE: the nonce signed (hex)")
    ] = None,
) -> UploadReceipt:
    """Upload a chip file, the AA signature, the data-page photo or the selfie."""
    if part not in CHIP_PARTS + IMAGE_PARTS:
        raise UploadPartUnknownError(part=part[:20])
    spec = part_spec(part, ctx.session_settings)
    # the session and its consent are checked before the body is read
    owner = await _admitted_owner(request, ctx, session_id, token)
    media, data = await read_capped(request, spec)
    incoming = IncomingPart(spec, part, media, data, nonce_hex=nonce)
    receipt, created = await run_in_threadpool(
        _store, ctx, _admissions(request), session_id, token, incoming, owner=owner
    )
    response.status_code = 201 if created and receipt.replaced == 0 else 200
    return receipt


@router.put(
    "/{session_id}/frames/{index}",
    response_model=UploadReceipt,
    status_code=201,
    operation_id="uploadFrame",
    openapi_extra=_BINARY,
    responses={200: {"model": UploadReceipt, "description": "same bytes again, or replaced"}},
)
async def upload_frame(
    session_id: str,
    *,
    index: Annotated[int, Path(ge=0)],
    ctx: Context,
    token: Token,
    request: Request,
    response: Response,
    captured_at_ms: Annotated[int, Query(ge=0, le=600_000)],
    challenge_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> UploadReceipt:
    """Upload liveness frame ``index``, captured ``captured_at_ms`` after the sequence start."""
    if index >= ctx.session_settings.max_frames:
        raise UploadLimitError(max=ctx.session_settings.max_frames)
    spec = part_spec("FRAME", ctx.session_settings)
    owner = await _admitted_owner(request, ctx, session_id, token)
    media, data = await read_capped(request, spec)
    incoming = IncomingPart(
        spec,
        frame_slot(index),
        media,
        data,
        captured_at_ms=captured_at_ms,
        challenge_id=challenge_id,
    )
    receipt, created = await run_in_threadpool(
        _store, ctx, _admissions(request), session_id, token, incoming, owner=owner
    )
    response.status_code = 201 if created and receipt.replaced == 0 else 200
    return receipt


def _authorise(ctx: SessionContext, session_id: str, token: str) -> tuple[str, datetime]:
    """Check the session accepts uploads; returns the blob owner of its current attempt
    and when the session expires.

    A read that takes no lock (a snapshot on SQLite): ``_store`` checks again under the
    session's row lock before anything is written.
    """
    with ctx.sessions() as db:
        db.connection(execution_options=SNAPSHOT_READ)
        row = repository.authorised_session(db, session_id, token)
        require_collecting(ctx, row)
        return blob_owner(row.id, row.attempt), row.expires_at
