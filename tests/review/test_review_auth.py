"""Sign-in, sessions and CSRF: every refusal changes nothing and is audited."""

from __future__ import annotations

from datetime import timedelta

from review_helpers import Console

from leveattest.core.ratelimit import RateLimiter
from leveattest.core.settings import RateLimitSettings
from leveattest.review.models import StaffAccount


def _account(console: Console, account_id: str) -> StaffAccount:
    with console.ctx.unit_of_work() as db:
        account = db.get(StaffAccount, account_id)
        assert account is not None
        return account


def test_sign_in_with_password_and_totp_sets_a_strict_http_only_cookie(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.client()
    response = console.try_sign_in(client, user)
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/queue"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("leveattest_ops=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/ops" in cookie
    page = client.get("/ops/queue")
    assert page.status_code == 200
    assert 'data-testid="whoami"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert [e.outcome for e in console.audit("ops:auth:sign_in")] == ["ok"]


def test_cookie_is_secure_by_default(console: Console):
    console.settings.cookie_secure = True
    user = console.add_user("sam", "reviewer")
    assert "Secure" in console.client().get("/ops/login").headers["set-cookie"]
    response = console.try_sign_in(console.client("https://testserver"), user)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_is_refused_and_audited(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.client()
    response = console.try_sign_in(client, user, password="not-the-password")
    assert response.status_code == 401
    assert "review_sign_in_failed" in response.text
    assert "leveattest_ops" not in client.cookies
    assert client.get("/ops/queue").status_code == 303
    assert console.refusals("ops:auth:sign_in") == ["password_wrong"]


def test_wrong_totp_and_unknown_user_are_refused_the_same_way(console: Console):
    user = console.add_user("rita", "reviewer")
    wrong = "000000" if console.code(user) != "000000" else "111111"
    assert console.try_sign_in(console.client(), user, code=wrong).status_code == 401
    ghost = console.add_user("ghost", "reviewer")
    ghost.username = "nobody"
    response = console.try_sign_in(console.client(), ghost)
    assert response.status_code == 401
    assert "review_sign_in_failed" in response.text
    assert console.refusals("ops:auth:sign_in") == ["totp_wrong", "unknown_account"]


def test_a_replayed_totp_code_is_refused(console: Console):
    user = console.add_user("rita", "reviewer")
    code = console.code(user)
    assert console.try_sign_in(console.client(), user, code=code).status_code == 303
    console.clock.advance(timedelta(seconds=5))  # same 30 s step, or the next within the window
    replay = console.try_sign_in(console.client(), user, code=code)
    assert replay.status_code == 401
    assert console.refusals("ops:auth:sign_in") == ["totp_replayed"]


def test_wrong_passwords_never_lock_an_account(console: Console):
    user = console.add_user("rita", "reviewer")
    for _ in range(console.settings.max_failed_sign_ins * 3):
        assert console.try_sign_in(console.client(), user, password="x" * 12).status_code == 401
    assert console.try_sign_in(console.client(), user).status_code == 303
    assert set(console.refusals("ops:auth:sign_in")) == {"password_wrong"}


def test_sign_in_attempts_from_one_address_answer_429_whatever_the_user_name(
    console: Console, rate_limit_clock: object
):
    console.app.state.rate_limiter = RateLimiter(
        RateLimitSettings(enabled=True, ops_sign_in_per_address="3/minute")
    )
    users = [console.add_user(name, "reviewer") for name in ("rita", "otto", "ada", "dag")]
    answers = [console.try_sign_in(console.client(), u, password="x" * 12) for u in users]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[3].json()["code"] == "rate_limited"
    assert int(answers[3].headers["retry-after"]) >= 1
    assert console.refusals("ops:auth:sign_in") == ["password_wrong"] * 3  # the 4th never ran


def test_lock_out_after_wrong_codes_answers_like_a_wrong_password(console: Console):
    user = console.add_user("rita", "reviewer")
    wrong = "000000" if console.code(user) != "000000" else "111111"
    for _ in range(console.settings.max_failed_sign_ins):
        assert console.try_sign_in(console.client(), user, code=wrong).status_code == 401
    locked = console.try_sign_in(console.client(), user)
    bad_password = console.try_sign_in(console.client(), user, password="y" * 12)
    ghost = console.add_user("ghost", "reviewer")
    ghost.username = "nobody-here"
    unknown = console.try_sign_in(console.client(), ghost)
    assert locked.status_code == bad_password.status_code == unknown.status_code == 401
    assert locked.json()["code"] == bad_password.json()["code"] == "review_sign_in_failed"
    assert locked.json()["code"] == unknown.json()["code"]
    assert _account(console, user.account_id).last_totp_step is None
    console.clock.advance(timedelta(minutes=console.settings.lockout_minutes, seconds=1))
    assert console.try_sign_in(console.client(), user).status_code == 303
    refusals = console.refusals("ops:auth:sign_in")
    assert refusals[-3:] == ["account_locked", "password_wrong", "unknown_account"]


def test_an_idle_session_expires_and_the_expiry_is_audited(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.signed_in(user)
    console.clock.advance(timedelta(minutes=console.settings.session_idle_minutes + 1))
    response = client.get("/ops/queue")
    assert response.status_code == 303
    assert response.headers["location"] == "/ops/login"
    assert console.refusals("ops:queue:view") == ["session_expired"]
    console.clock.advance(timedelta(seconds=1))
    assert client.get("/ops/queue").status_code == 303  # stays ended


def test_a_session_ends_at_its_absolute_lifetime_even_when_active(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.signed_in(user)
    hours = console.settings.session_absolute_hours
    for _ in range(hours * 3):
        console.clock.advance(timedelta(minutes=20))
        if client.get("/ops/queue").status_code != 200:
            break
    else:
        raise AssertionError("the session outlived its absolute lifetime")
    assert "session_expired" in console.refusals("ops:queue:view")


def test_login_without_the_form_token_is_refused(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.client()
    response = client.post(
        "/ops/login",
        data={"username": user.username, "password": user.password, "totp": console.code(user)},
    )
    assert response.status_code == 403
    assert "review_csrf_invalid" in response.text
    assert console.audit("ops:auth:sign_in")[0].reason == "review_csrf_invalid"
    assert _account(console, user.account_id).last_totp_step is None


def test_post_with_missing_or_wrong_csrf_token_changes_nothing(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.signed_in(user)
    sid = console.seed_case()
    assert client.post(f"/ops/cases/{sid}/claim", data={}).status_code == 403
    assert client.post(f"/ops/cases/{sid}/claim", data={"csrf_token": "forged"}).status_code == 403
    assert console.refusals("ops:case:claim") == ["review_csrf_invalid"] * 2
    other = console.signed_in(console.add_user("otto", "reviewer"))
    stolen = console.csrf(other)
    response = client.post(f"/ops/cases/{sid}/claim", data={"csrf_token": stolen})
    assert response.status_code == 403
    assert console.claim(other, sid).status_code == 303  # nobody held it


def test_sign_out_ends_the_server_side_session(console: Console):
    user = console.add_user("rita", "reviewer")
    client = console.signed_in(user)
    cookie = client.cookies.get("leveattest_ops")
    assert console.post(client, "/ops/logout").status_code == 303
    client.cookies.set("leveattest_ops", cookie or "", domain="testserver", path="/ops")
    assert client.get("/ops/queue").status_code == 303
    assert [e.outcome for e in console.audit("ops:auth:sign_out")] == ["ok"]


def test_admin_sees_accounts_and_can_unlock(console: Console):
    admin = console.signed_in(console.add_user("ada", "admin"))
    user = console.add_user("rita", "reviewer")
    wrong = "000000" if console.code(user) != "000000" else "111111"
    for _ in range(console.settings.max_failed_sign_ins):
        console.try_sign_in(console.client(), user, code=wrong)
    page = admin.get("/ops/accounts")
    assert page.status_code == 200
    assert 'data-testid="unlock-button"' in page.text
    assert console.post(admin, f"/ops/accounts/{user.account_id}/unlock").status_code == 303
    assert _account(console, user.account_id).locked_until is None
    reviewer = console.signed_in(console.add_user("otto", "reviewer"))
    assert reviewer.get("/ops/accounts").status_code == 403
    assert console.refusals("ops:accounts:view") == ["review_forbidden"]
