"""The console's desk for the pensioners' rights requests (objection, rectification,
restriction; ``leveattest.sessions.rights``): a list by due date with the overdue ones
marked (art. 12(3): one month), a case page with what the pensioner wrote and the trail,
and the answer, which the pensioner sees on their page. Senior reviewers and register
operators handle them; every view and answer is audited (``ops:rights:*``)."""

from __future__ import annotations

from leveattest.review import audit
from leveattest.review.errors import ForbiddenError
from leveattest.review.models import Role
from leveattest.review.service import ReviewService, Staff
from leveattest.sessions.rights import (
    RightsCase,
    RightsQueueItem,
    answer_request,
    mark_objection_recorded,
    objection_reference,
    rights_queue,
    view_request,
)

RIGHTS_ROLES = (Role.SENIOR_REVIEWER, Role.REGISTER_OPERATOR)


def rights_list(service: ReviewService, staff: Staff) -> list[RightsQueueItem]:
    with service.audited(staff.actor, "ops:rights:list"):
        service.require_role(staff, *RIGHTS_ROLES)
        with service.ctx.unit_of_work() as db:
            items = rights_queue(db, service.now().date())
            audit.record(
                db, service.now(), staff.actor, "ops:rights:list", detail={"rows": len(items)}
            )
            return items


def rights_case(service: ReviewService, staff: Staff, request_id: str) -> RightsCase:
    with service.audited(staff.actor, "ops:rights:view", request_id):
        service.require_role(staff, *RIGHTS_ROLES)
        with service.ctx.unit_of_work() as db:
            case = view_request(db, service.ctx, request_id, staff.reviewer_ref)
            audit.record(
                db, service.now(), staff.actor, "ops:rights:view", subject=request_id,
                detail={"kind": case.kind},
            )  # fmt: skip
            return case


def answer_rights(service: ReviewService, staff: Staff, request_id: str, answer: str) -> RightsCase:
    with service.audited(staff.actor, "ops:rights:answer", request_id):
        service.require_role(staff, *RIGHTS_ROLES)
        with service.ctx.unit_of_work() as db:
            case = answer_request(db, service.ctx, request_id, staff.reviewer_ref, answer)
            overdue = service.now().date() > case.due_on
            audit.record(
                db, service.now(), staff.actor, "ops:rights:answer", subject=request_id,
                detail={"kind": case.kind, "overdue": overdue},
            )  # fmt: skip
            return case


def record_objection(service: ReviewService, staff: Staff, request_id: str) -> None:
    """A register operator records the pensioner's objection in the register (their data
    there is removed; paying companies are told to use a manual certificate)."""
    with service.audited(staff.actor, "ops:rights:objection_recorded", request_id):
        service.require_role(staff, Role.REGISTER_OPERATOR)
        if service.ctx.register is None:
            raise ForbiddenError(role=staff.role)
        with service.ctx.unit_of_work() as db:
            row, reference = objection_reference(db, service.ctx, request_id)
            found = service.ctx.register.record_objection(reference, staff.reviewer_ref)
            mark_objection_recorded(db, service.ctx, row, staff.reviewer_ref)
            audit.record(
                db, service.now(), staff.actor, "ops:rights:objection_recorded",
                subject=request_id, detail={"found": found},
            )  # fmt: skip
