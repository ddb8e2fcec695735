"""``UploadAdmissions``: the remembered check before an upload's body (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from leveattest.api.admission import UploadAdmissions

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
FAR = NOW + timedelta(days=1)


def test_an_admitted_session_is_remembered_for_its_token_only():
    admissions = UploadAdmissions()
    admissions.admit("s1", "token", "s1.a1", NOW, FAR)
    assert admissions.owner("s1", "token", NOW + timedelta(seconds=29)) == "s1.a1"
    assert admissions.owner("s1", "another token", NOW) is None
    assert admissions.owner("s2", "token", NOW) is None


def test_the_memory_ends_after_the_ttl_or_at_the_session_expiry_whichever_is_first():
    admissions = UploadAdmissions(ttl=timedelta(seconds=30))
    admissions.admit("s1", "token", "s1.a1", NOW, FAR)
    assert admissions.owner("s1", "token", NOW + timedelta(seconds=30)) is None
    admissions.admit("s2", "token", "s2.a1", NOW, NOW + timedelta(seconds=5))
    assert admissions.owner("s2", "token", NOW + timedelta(seconds=4)) == "s2.a1"
    assert admissions.owner("s2", "token", NOW + timedelta(seconds=5)) is None


def test_forget_and_a_new_attempt_replace_what_was_remembered():
    admissions = UploadAdmissions()
    admissions.admit("s1", "token", "s1.a1", NOW, FAR)
    admissions.admit("s1", "token", "s1.a2", NOW, FAR)
    assert admissions.owner("s1", "token", NOW) == "s1.a2"
    admissions.forget("s1")
    admissions.forget("never admitted")
    assert admissions.owner("s1", "token", NOW) is None
    assert len(admissions) == 0


def test_the_oldest_admission_goes_first_when_full():
    admissions = UploadAdmissions(capacity=2)
    admissions.admit("s1", "t", "s1.a1", NOW, FAR)
    admissions.admit("s2", "t", "s2.a1", NOW, FAR)
    admissions.admit("s1", "t", "s1.a1", NOW, FAR)  # s1 used again: s2 is now the oldest
    admissions.admit("s3", "t", "s3.a1", NOW, FAR)
    assert len(admissions) == 2
    assert admissions.owner("s2", "t", NOW) is None
    assert admissions.owner("s1", "t", NOW) == "s1.a1"
    assert admissions.owner("s3", "t", NOW) == "s3.a1"
