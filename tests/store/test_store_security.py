"""Abuse cases of the review app (issue 16 item 6), one test or more per finding.

Sign-in hashing off the event loop and bounded; the throttle's client address; body size
limits; 4xx (never 500) for malformed JSON, lone surrogates and huge ids; designs with variants
the run does not have; server-side session revocation; the OpenAPI schema behind sign-in.
"""

from __future__ import annotations

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select, text
from store_helpers import PASSWORDS, serve_in_thread, signed_in

from vaxmix.cli import main
from vaxmix.store import service, users
from vaxmix.store.app import create_app
from vaxmix.store.commands import serve_options
from vaxmix.store.db import Registry
from vaxmix.store.limits import HashGate
from vaxmix.store.models import AppSession, Design
from vaxmix.store.security import LoginThrottle, TrustedProxies, client_address

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

@pytest.fixture
def loaded(real_loaded: Registry) -> Registry:
    """These tests need only *a* valid run: the real designed run (tests/store/conftest.py
    ``real_loaded``) instead of the hand-made folder."""
    return real_loaded



def _api_login(client, username: str, password: str | None = None):
    return client.post(
        "/api/login", json={"username": username, "password": password or PASSWORDS[username]}
    )


# -- sign-in work off the event loop, bounded ------------------------------------------------


class SlowHasher:
    """Stands in for argon2: each check takes ``seconds`` (blocking, like argon2id) and the
    highest number of checks running at once is recorded."""

    def __init__(self, real, seconds: float) -> None:
        self.real, self.seconds = real, seconds
        self.running = self.most = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.threads.add(threading.current_thread().name)
        try:
            time.sleep(self.seconds)
            return self.real.verify(stored, password)
        finally:
            with self._lock:
                self.running -= 1


def test_sign_in_hashing_leaves_other_users_served_and_is_bounded(
    loaded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = SlowHasher(users._HASHER, seconds=1.0)
    monkeypatch.setattr(users, "_HASHER", slow)
    app = create_app(loaded, hash_gate=HashGate(concurrency=2))
    with serve_in_thread(app, **serve_options("127.0.0.1", 0)) as url:
        viewer = httpx.Client(base_url=url, timeout=30, trust_env=False)
        assert _api_login(viewer, "vic").status_code == 200  # one slow check, before the flood

        def bad(n: int) -> int:
            with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
                return _api_login(client, f"spray{n}", "wrong-password").status_code

        with ThreadPoolExecutor(8) as pool:
            flood = [pool.submit(bad, n) for n in range(8)]
            time.sleep(0.3)  # the flood is running: 8 checks of 1 s, 2 at a time = 4 s
            latencies = []
            for _ in range(5):
                start = time.perf_counter()
                assert viewer.get("/api/runs").status_code == 200
                latencies.append(time.perf_counter() - start)
            codes = [f.result() for f in flood]
        viewer.close()
    assert codes == [401] * 8
    # Blocking the event loop would hold a page for up to a whole check (1 s) each time.
    assert sorted(latencies)[2] < 0.4, latencies
    assert slow.most == 2  # never more than the gate's 2 checks at once
    assert all(name != "MainThread" for name in slow.threads)


def test_a_full_hash_queue_is_refused_not_queued(
    loaded: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = SlowHasher(users._HASHER, seconds=0.8)
    monkeypatch.setattr(users, "_HASHER", slow)
    app = create_app(loaded, hash_gate=HashGate(concurrency=1, max_waiting=2))
    with serve_in_thread(app) as url:

        def bad(n: int) -> int:
            with httpx.Client(base_url=url, timeout=60, trust_env=False) as client:
                return _api_login(client, f"spray{n}", "wrong-password").status_code

        with ThreadPoolExecutor(5) as pool:
            codes = sorted(pool.map(bad, range(5)))
    assert codes.count(503) >= 1 and set(codes) <= {401, 503}
    assert slow.most == 1


def test_parallel_attempts_cannot_slip_past_the_throttle() -> None:
    throttle = LoginThrottle(max_failures=5)
    started = [throttle.start("rita", "10.0.0.9") for _ in range(8)]
    assert started == [0.0] * 5 + [1.0] * 3  # three refused while five are in flight
    for _ in range(5):
        throttle.finish("rita", "10.0.0.9", success=False)
    assert throttle.retry_after("rita", "10.0.0.9") > 800


# -- X-Forwarded-For only from a configured proxy ----------------------------------------------


def test_client_address_believes_forwarded_for_only_from_trusted_proxies() -> None:
    none = TrustedProxies()
    proxy = TrustedProxies.parse(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", ["203.0.113.7"], none) == "127.0.0.1"
    assert client_address("127.0.0.1", ["203.0.113.7"], proxy) == "203.0.113.7"
    # The client wrote the left hops; the right-most non-proxy hop is what the proxy saw.
    assert client_address("10.1.1.1", ["1.1.1.1, 198.51.100.4, 10.2.2.2"], proxy) == (
        "198.51.100.4"
    )
    assert client_address("10.1.1.1", ["not-an-ip"], proxy) == "10.1.1.1"
    assert client_address("192.0.2.1", ["203.0.113.7"], proxy) == "192.0.2.1"
    with pytest.raises(ValueError, match="not an IP"):
        TrustedProxies.parse(["example.org"])


def _failures_until_429(url: str, forwarded: list[str]) -> list[int]:
    codes = []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        for value in forwarded:
            response = client.post(
                "/api/login",
                json={"username": "rita", "password": "wrong-password"},
                headers={"X-Forwarded-For": value},
            )
            codes.append(response.status_code)
    return codes


def test_rotating_forwarded_for_does_not_bypass_the_throttle(loaded: Registry) -> None:
    """12 rotating X-Forwarded-For values from 127.0.0.1 (the issue's bypass), served with
    ``vaxmix serve``'s uvicorn settings: the 6th attempt is refused."""
    rotating = [f"198.51.100.{n}" for n in range(12)]
    with serve_in_thread(create_app(loaded), **serve_options("127.0.0.1", 0)) as url:
        codes = _failures_until_429(url, rotating)
    assert codes == [401] * 5 + [429] * 7


def test_behind_a_configured_proxy_each_forwarded_client_is_throttled_apart(
    loaded: Registry,
) -> None:
    app = create_app(loaded, trusted_proxies=TrustedProxies.parse(["127.0.0.1"]))
    with serve_in_thread(app, **serve_options("127.0.0.1", 0)) as url:
        one = _failures_until_429(url, ["198.51.100.1"] * 6)
        other = _failures_until_429(url, ["198.51.100.2"])
    assert one == [401] * 5 + [429] and other == [401]


def test_serve_turns_uvicorns_own_proxy_headers_off() -> None:
    assert serve_options("127.0.0.1", 8000)["proxy_headers"] is False


# -- body size ---------------------------------------------------------------------------------


def test_oversized_bodies_are_refused_before_parsing(loaded: Registry) -> None:
    app = create_app(loaded)
    big = b'{"username": "rita", "password": "' + b"x" * (2 << 20) + b'"}'
    with serve_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        declared = client.post(
            "/api/login", content=big, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413

        def chunks():  # no Content-Length: counted as it arrives
            for start in range(0, len(big), 64 << 10):
                yield big[start : start + (64 << 10)]

        streamed = client.post(
            "/api/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        # A signed-in write gets the general limit (1 MiB).
        csrf = _api_login(client, "rita").json()["csrf_token"]
        review = client.post(
            "/api/candidates/1/review",
            content=b'{"decision": "Accept", "comment": "' + b"y" * (1 << 20) + b'"}',
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        assert review.status_code == 413
        # Small bodies still pass.
        assert _api_login(client, "vic").status_code == 200


# -- 4xx, never 500, for malformed input -------------------------------------------------------


def test_malformed_json_lone_surrogates_and_huge_ids_are_4xx(loaded: Registry) -> None:
    app = create_app(loaded)
    client = TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False)
    json_type = {"Content-Type": "application/json"}
    for body in (b"{", b'{"username": ', b"\xff\xfe\x00", b"[1, 2]", b'"text"', b"null"):
        assert client.post("/api/login", content=body, headers=json_type).status_code == 400
    lone = b'{"username": "rita\\ud800", "password": "x"}'
    assert client.post("/api/login", content=lone, headers=json_type).status_code == 400
    numbers = b'{"username": 5, "password": ["x"]}'
    assert client.post("/api/login", content=numbers, headers=json_type).status_code == 400

    signed, csrf = signed_in(app, "rita")
    headers = {**json_type, "X-CSRF-Token": csrf}
    cases = [
        ("/api/candidates/1/review", b'{"decision": "Accept", "comment": "x\\udc00y"}'),
        ("/api/candidates/1/review", b'{"decision": "Accept", "comment": '),
        ("/api/candidates/1/review", b'{"decision": 1}'),
        (f"/api/candidates/{2**63}/review", b'{"decision": "Accept"}'),
        (f"/api/candidates/{2**64 + 5}/review", b'{"decision": "Accept"}'),
        (f"/api/designs/{2**63}/approve", b"{}"),
    ]
    for path, body in cases:
        status = signed.post(path, content=body, headers=headers).status_code
        assert 400 <= status < 500, (path, body, status)
    for path in (
        f"/runs/{2**63}",
        f"/candidates/{2**63}",
        f"/designs/{2**63}",
        f"/patients/{2**63}",
        f"/compare?a=1&b={2**63}",
        f"/api/runs/{2**63}/candidates",
        f"/api/candidates/{2**31}/decisions",
        "/runs/-1",
    ):
        status = signed.get(path).status_code
        assert 400 <= status < 500, (path, status)
    # A lone surrogate sent in a form (percent-encoded UTF-16 half) is 4xx as well.
    form = signed.post(
        "/candidates/1/review",
        content=f"decision=Accept&comment=%ED%A0%80&csrf_token={csrf}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert form.status_code in (303, 400)  # stored as U+FFFD by the form parser, or refused
    assert signed.get("/api/session").status_code == 200


# -- designs with variants that do not exist ---------------------------------------------------


def test_a_design_with_unknown_variants_cannot_be_approved(loaded: Registry) -> None:
    app = create_app(loaded)
    client, csrf = signed_in(app, "rita")
    with loaded.write() as session:  # as a forged or old design would hold
        design = session.get(Design, 1)
        design.content = {**design.content, "candidates": ["999.NOPE.ENST0.1.missense.1A/B"]}
    response = client.post("/api/designs/1/approve", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409
    assert "not variants of run 1: 999.NOPE" in response.json()["detail"]
    page = client.get("/designs/1/approve").text
    assert 'id="approve-problems"' in page and 'id="confirm-approve"' not in page
    with loaded.write() as session:
        design = session.get(Design, 1)
        design.content = {**design.content, "candidates": []}
    response = client.post("/api/designs/1/approve", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 409 and "holds no variant" in response.json()["detail"]
    with loaded.read() as session:
        assert session.get(Design, 1).status == "draft"
    # Nor can a reviewer put one in through the edit form or make a new design with one.
    edit = client.post(
        "/designs/1/edit",
        data={"candidate": ["999.NOPE.ENST0.1.missense.1A/B"], "csrf_token": csrf},
    )
    assert edit.status_code == 400
    with pytest.raises(service.InputError, match="not a variant of run 1"):
        service.create_design(loaded, 1, ["999.NOPE.ENST0.1.missense.1A/B"], "n", "rita")


# -- sessions revocable server-side ------------------------------------------------------------


def test_sign_out_revokes_the_session_on_the_server(loaded: Registry) -> None:
    app = create_app(loaded)
    client, csrf = signed_in(app, "rita")
    stolen = dict(client.cookies)  # a copy of the cookie, e.g. from another machine
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    replay = TestClient(app, base_url="http://127.0.0.1", cookies=stolen)
    assert replay.get("/api/session").status_code == 401
    assert replay.get("/runs/1", follow_redirects=False).status_code == 303  # to /login
    # A viewer signs out through the API too; and the form sign-out works the same.
    client, csrf = signed_in(app, "vic")
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    client, csrf = signed_in(app, "vic")
    stolen = dict(client.cookies)
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    replay = TestClient(app, base_url="http://127.0.0.1", cookies=stolen)
    assert replay.get("/api/session").status_code == 401


def test_password_change_revokes_every_session_of_the_user(loaded: Registry) -> None:
    app = create_app(loaded)
    laptop, csrf = signed_in(app, "rita")
    phone, _ = signed_in(app, "rita")
    other, _ = signed_in(app, "vic")
    response = laptop.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current": PASSWORDS["rita"],
            "new": "new-reviewer-pass",
            "again": "new-reviewer-pass",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert laptop.get("/api/session").status_code == 401
    assert phone.get("/api/session").status_code == 401
    assert other.get("/api/session").status_code == 200  # other users untouched
    assert _api_login(TestClient(app, base_url="http://127.0.0.1"), "rita").status_code == 401
    fresh = TestClient(app, base_url="http://127.0.0.1")
    assert _api_login(fresh, "rita", "new-reviewer-pass").status_code == 200
    # A wrong current password changes nothing.
    csrf = fresh.get("/api/session").json()["csrf_token"]
    wrong = fresh.post(
        "/account/password",
        data={"csrf_token": csrf, "current": "nope-nope", "new": "x" * 9, "again": "x" * 9},
    )
    assert wrong.status_code == 403 and fresh.get("/api/session").status_code == 200


def test_an_admin_revokes_a_users_sessions(loaded: Registry, capsys) -> None:
    app = create_app(loaded)
    rita, rita_csrf = signed_in(app, "rita")
    admin, admin_csrf = signed_in(app, "admin")
    # A reviewer may not; an admin may (page and form).
    assert rita.post("/users/2/revoke-sessions", data={"csrf_token": rita_csrf}).status_code == 403
    assert rita.get("/users").status_code == 403
    assert "Sign out everywhere" in admin.get("/users").text
    with loaded.read() as session:
        rita_id = session.scalar(text("SELECT id FROM app_user WHERE username = 'rita'"))
    response = admin.post(
        f"/users/{rita_id}/revoke-sessions",
        data={"csrf_token": admin_csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert rita.get("/api/session").status_code == 401
    assert admin.get("/api/session").status_code == 200
    with loaded.read() as session:
        reasons = session.scalars(
            select(AppSession.revoked_reason).where(AppSession.user_id == rita_id)
        ).all()
    assert reasons == ["revoked by an administrator"]
    # And from the command line.
    vic, _ = signed_in(app, "vic")
    url = loaded.engine.url.render_as_string(hide_password=False)
    assert main(["registry", "revoke-sessions", "vic", "--db", url]) == 0
    assert "vic: 1 live session(s) revoked" in capsys.readouterr().out
    assert vic.get("/api/session").status_code == 401


def test_cli_password_change_signs_the_user_out(
    loaded: Registry, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    app = create_app(loaded)
    rita, _ = signed_in(app, "rita")
    monkeypatch.setattr("sys.stdin", io.StringIO("brand-new-pass\n"))
    url = loaded.engine.url.render_as_string(hide_password=False)
    assert main(["registry", "set-password", "rita", "--db", url, "--password-stdin"]) == 0
    assert "1 live session(s) revoked" in capsys.readouterr().out
    assert rita.get("/api/session").status_code == 401
    fresh = TestClient(app, base_url="http://127.0.0.1")
    assert _api_login(fresh, "rita", "brand-new-pass").status_code == 200


# -- the API schema ----------------------------------------------------------------------------


def test_openapi_schema_only_for_signed_in_users(loaded: Registry) -> None:
    app = create_app(loaded)
    anonymous = TestClient(app, base_url="http://127.0.0.1")
    assert anonymous.get("/openapi.json").status_code == 401
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert anonymous.get(path).status_code == 404
    viewer, _ = signed_in(app, "vic")
    schema = viewer.get("/openapi.json")
    assert schema.status_code == 200 and "/api/runs" in schema.json()["paths"]
    assert viewer.get("/docs").status_code == 404
