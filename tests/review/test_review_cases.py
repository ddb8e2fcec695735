"""Queue, claims, case page, images and decisions, including the abuse cases:
refused, audited, nothing changed."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from review_helpers import Console

from leveattest.core.logging import configure_logging
from leveattest.review.auth import account_by_name
from leveattest.review.dashboard import build_dashboard
from leveattest.review.models import RejectionProposal, ReviewClaim
from leveattest.sessions.deletion import shred
from leveattest.sessions.models import SessionState, VerificationSession

IMAGE_URL = re.compile(r"(/ops/cases/[0-9a-f]+/images/[A-Z0-9_-]+\?exp=\d+&(?:amp;)?sig=[0-9a-f]+)")


def _images(page: str) -> dict[str, str]:
    urls = [u.replace("&amp;", "&") for u in IMAGE_URL.findall(page)]
    return {u.split("/images/")[1].split("?")[0]: u for u in urls}


def _claims(console: Console) -> list[tuple[str, str]]:
    with console.ctx.unit_of_work() as db:
        return [(c.session_id, c.account_id) for c in db.query(ReviewClaim).all()]


def test_queue_is_oldest_first_with_age_against_the_service_level_and_no_personal_data(
    console: Console,
):
    reviewer = console.signed_in(console.add_user("rita", "reviewer"))
    newer = console.seed_case(0, waiting_days=1, surname="YOUNGER")
    older = console.seed_case(1, waiting_days=7, surname="OLDER", country="SWE")
    page = reviewer.get("/ops/queue")
    assert page.status_code == 200
    assert page.text.index(older[:12]) < page.text.index(newer[:12])
    assert page.text.count('data-testid="queue-row"') == 2
    assert 'data-testid="queue-overdue"' in page.text  # 7 days ago is past 2 working days
    for personal in ("YOUNGER", "OLDER", "KARI", "1950-05-17"):
        assert personal not in page.text
    assert "70-79" in page.text
    filtered = reviewer.get("/ops/queue", params={"country": "SWE"})
    assert filtered.text.count('data-testid="queue-row"') == 1
    assert older[:12] in filtered.text
    band = reviewer.get("/ops/queue", params={"age_band": "90-99"})
    assert band.text.count('data-testid="queue-row"') == 0
    reason = reviewer.get("/ops/queue", params={"reason": "face_distance_near_threshold"})
    assert reason.text.count('data-testid="queue-row"') == 2


def test_two_reviewers_can_never_hold_the_same_case(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    otto_user = console.add_user("otto", "reviewer")
    otto = console.signed_in(otto_user)
    sid = console.seed_case()
    assert console.claim(rita, sid).status_code == 303
    taken = console.claim(otto, sid)
    assert taken.status_code == 409
    assert "review_claim_taken" in taken.text
    assert len(_claims(console)) == 1
    assert console.refusals("ops:case:claim") == ["review_claim_taken"]
    console.clock.advance(timedelta(minutes=console.settings.claim_minutes + 1))
    otto = console.signed_in(otto_user)
    assert console.claim(otto, sid).status_code == 303  # the lapsed claim is taken over
    assert [a for _, a in _claims(console)] == [console_user_id(console, "otto")]


def console_user_id(console: Console, username: str) -> str:
    with console.ctx.unit_of_work() as db:
        account = account_by_name(db, username)
        assert account is not None
        return account.id


def test_case_page_shows_evidence_and_signed_no_store_images_to_the_claimer(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    page = rita.get(f"/ops/cases/{sid}")
    assert page.status_code == 200
    text = page.text
    for testid in (
        "case-image-chip",
        "case-image-page",
        "case-image-selfie",
        "liveness-strip",
        "approve-form",
        "retry-form",
        "reject-form",
        "mrz-table",
        "face-box",
    ):
        assert f'data-testid="{testid}"' in text, testid
    assert "selfie vs chip: distance 0.57, threshold 0.55 — close" in text
    assert text.count('data-testid="liveness-frame"') == 3
    assert 'data-testid="frame-colour">red' in text
    assert "NORDMANN" in text
    assert 'class="mrz-differs"' in text
    urls = _images(text)
    assert set(urls) == {"CHIP_PORTRAIT", "PAGE", "SELFIE", "FRAME-000", "FRAME-001", "FRAME-002"}
    chip = rita.get(urls["CHIP_PORTRAIT"])
    assert chip.status_code == 200
    assert chip.headers["content-type"] == "image/jpeg"
    assert chip.content.startswith(b"\xff\xd8")  # DG2's JPEG 2000 decoded to JPEG
    assert chip.headers["cache-control"] == "no-store"
    selfie = rita.get(urls["SELFIE"])
    assert selfie.status_code == 200
    assert len(console.audit("ops:image:fetch")) == 2
    assert [e.outcome for e in console.audit("ops:case:view")] == ["ok"]


def test_another_reviewers_case_and_its_images_are_refused(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    otto = console.signed_in(console.add_user("otto", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    urls = _images(rita.get(f"/ops/cases/{sid}").text)
    page = otto.get(f"/ops/cases/{sid}")
    assert page.status_code == 403
    assert "NORDMANN" not in page.text
    stolen = otto.get(urls["SELFIE"])  # rita's signed URL, otto's session
    assert stolen.status_code == 403
    forged = otto.get(urls["SELFIE"].replace("SELFIE", "PAGE"))
    assert forged.status_code == 403
    unclaimed = console.seed_case(1)
    assert otto.get(f"/ops/cases/{unclaimed}").status_code == 403
    assert console.refusals("ops:case:view") == ["review_not_claimed"] * 2
    assert console.refusals("ops:image:fetch") == ["review_image_url_invalid"] * 2


def test_an_expired_image_url_is_refused(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    urls = _images(rita.get(f"/ops/cases/{sid}").text)
    console.clock.advance(timedelta(seconds=console.settings.image_url_seconds + 1))
    response = rita.get(urls["PAGE"])
    assert response.status_code == 403
    assert "review_image_url_invalid" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert console.refusals("ops:image:fetch") == ["review_image_url_invalid"]


def test_after_biometric_deletion_the_page_says_so_and_shows_no_images(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    urls = _images(rita.get(f"/ops/cases/{sid}").text)
    with console.ctx.unit_of_work() as db:
        row = db.get(VerificationSession, sid)
        assert row is not None
        shred(db, console.ctx, row, "retention", clear_person_facts=False)
    page = rita.get(f"/ops/cases/{sid}")
    assert page.status_code == 200
    assert 'data-testid="biometrics-deleted"' in page.text
    assert not _images(page.text)
    assert rita.get(urls["SELFIE"]).status_code == 410


def test_approve_writes_the_register_then_shreds(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    response = console.post(
        rita, f"/ops/cases/{sid}/approve", csrf=console.csrf(rita, f"/ops/cases/{sid}")
    )
    assert response.status_code == 200, response.text
    assert 'data-outcome="approved"' in response.text
    row = console.session(sid)
    assert row.state == SessionState.APPROVED
    assert row.register_certificate_id is not None
    assert row.biometrics_deleted_at is not None
    assert row.person_facts is None
    assert (row.decided_by or "").startswith("ops:")
    assert console.ctx.blobs.list(f"{sid}.a1") == []
    event = console.audit("ops:case:approve")[-1]
    assert event.outcome == "ok"
    assert event.detail["age_band"] == "70-79"
    assert _claims(console) == []


def test_retry_needs_a_reason_the_pensioner_will_see(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    token = console.csrf(rita, f"/ops/cases/{sid}")
    empty = console.post(rita, f"/ops/cases/{sid}/retry", csrf=token, advice="   ")
    assert empty.status_code == 422
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    advice = "Please take the selfie facing a window, without glasses."
    done = console.post(rita, f"/ops/cases/{sid}/retry", csrf=token, advice=advice)
    assert done.status_code == 200
    row = console.session(sid)
    assert row.state == SessionState.RETRY_REQUESTED
    assert row.advice == [advice]
    assert row.expires_at > console.clock.now() + timedelta(hours=24)


def test_retry_is_refused_when_no_attempts_are_left(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case(attempt=console.ctx.retry_budget)
    console.claim(rita, sid)
    response = console.post(rita, f"/ops/cases/{sid}/retry", advice="try again please")
    assert response.status_code == 409
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    assert console.refusals("ops:case:retry") == ["retry_not_available"]


def test_a_reviewer_cannot_decide_an_unclaimed_case(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    for action, data in (
        ("approve", {}),
        ("retry", {"advice": "again"}),
        ("reject", {"reason": "fake"}),
    ):
        response = console.post(rita, f"/ops/cases/{sid}/{action}", **data)
        assert response.status_code == 403, action
        assert "review_not_claimed" in response.text
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    assert console.refusals("ops:case:approve") == ["review_not_claimed"]
    assert console.refusals("ops:case:reject") == ["review_not_claimed"]


def test_an_auditor_cannot_claim_view_or_decide_but_reads_the_audit_log(console: Console):
    auditor = console.signed_in(console.add_user("aud", "auditor"))
    sid = console.seed_case()
    assert console.claim(auditor, sid).status_code == 403
    assert auditor.get(f"/ops/cases/{sid}").status_code == 403
    assert console.post(auditor, f"/ops/cases/{sid}/approve").status_code == 403
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    assert "claim-button" not in auditor.get("/ops/queue").text
    log = auditor.get("/ops/audit")
    assert log.status_code == 200
    assert 'data-testid="audit-row"' in log.text
    assert 'data-action="ops:case:approve" data-outcome="refused"' in log.text
    assert "review_forbidden" in console.refusals("ops:case:approve")
    reviewer = console.signed_in(console.add_user("rita", "reviewer"))
    assert reviewer.get("/ops/audit").status_code == 403


def test_a_single_person_rejection_is_not_final(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    proposed = console.post(
        rita, f"/ops/cases/{sid}/reject", reason="the selfie shows someone else"
    )
    assert proposed.status_code == 200
    assert 'data-outcome="rejection_proposed"' in proposed.text
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    # the proposer cannot take it back to confirm it, nor can another plain reviewer
    assert console.claim(rita, sid).status_code == 403
    otto = console.signed_in(console.add_user("otto", "reviewer"))
    assert console.claim(otto, sid).status_code == 403
    assert console.session(sid).state == SessionState.NEEDS_REVIEW
    assert console.refusals("ops:case:claim") == ["review_four_eyes_required"] * 2


def test_a_senior_proposer_cannot_confirm_their_own_rejection(console: Console):
    sara = console.signed_in(console.add_user("sara", "senior_reviewer"))
    sid = console.seed_case()
    console.claim(sara, sid)
    console.post(sara, f"/ops/cases/{sid}/reject", reason="not the holder")
    assert console.claim(sara, sid).status_code == 403
    assert console.session(sid).state == SessionState.NEEDS_REVIEW


def test_a_second_senior_reviewer_confirms_the_rejection(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sara = console.signed_in(console.add_user("sara", "senior_reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    console.post(rita, f"/ops/cases/{sid}/reject", reason="the selfie shows someone else")
    assert console.claim(sara, sid).status_code == 303
    page = sara.get(f"/ops/cases/{sid}")
    assert 'data-testid="proposal"' in page.text
    assert "the selfie shows someone else" in page.text
    done = console.post(sara, f"/ops/cases/{sid}/reject", reason="agreed: a different person")
    assert 'data-outcome="rejected"' in done.text
    row = console.session(sid)
    assert row.state == SessionState.REJECTED
    assert row.biometrics_deleted_at is not None
    with console.ctx.unit_of_work() as db:
        proposal = db.query(RejectionProposal).one()
        assert proposal.status == "confirmed"


def test_a_senior_reviewer_may_override_a_proposed_rejection_and_approve(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sara = console.signed_in(console.add_user("sara", "senior_reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    console.post(rita, f"/ops/cases/{sid}/reject", reason="unsure")
    console.claim(sara, sid)
    response = console.post(sara, f"/ops/cases/{sid}/approve")
    assert 'data-outcome="approved"' in response.text
    assert console.session(sid).state == SessionState.APPROVED
    assert console.audit("ops:case:approve")[-1].detail["resolved_proposal"] is True


def test_xss_shaped_names_and_reasons_are_rendered_escaped(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sara = console.signed_in(console.add_user("sara", "senior_reviewer"))
    sid = console.seed_case(surname="<script>alert(1)</script>")
    console.claim(rita, sid)
    page = rita.get(f"/ops/cases/{sid}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    console.post(rita, f"/ops/cases/{sid}/reject", reason='"><img src=x onerror=alert(2)>')
    console.claim(sara, sid)
    page = sara.get(f"/ops/cases/{sid}")
    assert "<img src=x" not in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text
    weird = rita.get("/ops/queue", params={"reason": "<b>x</b>"})
    assert "<b>x</b>" not in weird.text


def test_dashboard_renders_inline_svg_charts(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    sid = console.seed_case()
    console.seed_case(1, waiting_days=9, birth=date(1930, 1, 1))
    console.claim(rita, sid)
    console.post(rita, f"/ops/cases/{sid}/approve")
    page = rita.get("/ops/dashboard")
    assert page.status_code == 200
    for chart in (
        "chart-throughput",
        "chart-queue-age",
        "chart-by-source",
        "chart-by-reason",
        "chart-by-country",
        "chart-by-age-band",
    ):
        assert f'data-testid="{chart}"' in page.text
    assert "<script" not in page.text
    assert 'data-testid="dashboard-overdue">1<' in page.text
    assert "90-99" in page.text


def test_logs_of_a_review_hold_no_personal_data(console: Console):
    stream = io.StringIO()
    configure_logging("DEBUG", json_logs=True, stream=stream)
    try:
        rita_user = console.add_user("rita", "reviewer")
        rita = console.signed_in(rita_user)
        sid = console.seed_case(surname="HEMMELIGSEN")
        console.claim(rita, sid)
        urls = _images(rita.get(f"/ops/cases/{sid}").text)
        rita.get(urls["SELFIE"])
        console.post(rita, f"/ops/cases/{sid}/approve")
    finally:
        configure_logging("INFO")
    logs = stream.getvalue()
    assert "review.audit" in logs
    for secret in ("HEMMELIGSEN", "KARI", "1950-05-17", sid, rita_user.password, rita_user.secret):
        assert secret not in logs


def test_only_the_holder_can_release_a_claim(console: Console):
    rita = console.signed_in(console.add_user("rita", "reviewer"))
    otto = console.signed_in(console.add_user("otto", "reviewer"))
    sid = console.seed_case()
    console.claim(rita, sid)
    assert console.post(otto, f"/ops/cases/{sid}/release").status_code == 403
    assert len(_claims(console)) == 1
    assert console.post(rita, f"/ops/cases/{sid}/release").status_code == 303
    assert _claims(console) == []
    assert console.claim(otto, sid).status_code == 303
    assert console.refusals("ops:case:release") == ["review_not_claimed"]


def test_automatic_outcomes_count_in_their_age_band_after_the_birth_date_is_gone(
    console: Console,
):
    sid = console.seed_case()
    with console.ctx.unit_of_work() as db:
        row = db.get(VerificationSession, sid)
        assert row is not None
        now = console.ctx.clock.now()
        row.state, row.decision, row.decided_by = SessionState.APPROVED, "approve", "pipeline"
        row.decided_at, row.updated_at = now, now
        row.person_facts, row.age_band = None, "100+"  # what is left after the decision
    with console.ctx.unit_of_work() as db:
        board = build_dashboard(db, console.ctx.clock.now(), 2)
    assert board.by_age_band["100+"]["approve"] == 1
    assert board.by_source["automatic"]["approve"] == 1
