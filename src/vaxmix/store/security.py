"""Sessions, CSRF tokens, roles and safe file paths for the review web app.

* Sessions are signed, timestamped cookies (itsdangerous ``URLSafeTimedSerializer``) holding the
  user id and a per-session random CSRF token; the role is re-read from the registry on every
  request so that a changed or deactivated account takes effect at once.
* Every state-changing request must carry the session's CSRF token, in the ``csrf_token`` form
  field or the ``X-CSRF-Token`` header (synchronizer-token pattern, OWASP CSRF cheat sheet).
  The login form, which has no session yet, uses a signed pre-login cookie with its own token.
* File-serving routes resolve the requested path and refuse anything outside the run folder.
* Failed sign-ins are throttled per (user name, client address): after ``max_failures`` within
  ``window_s`` further attempts are refused (HTTP 429) until the oldest failure leaves the
  window (OWASP Authentication cheat sheet, "Protect against automated attacks").
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vaxmix.store.db import Registry
from vaxmix.store.models import ROLES, Setting, User

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "LoginThrottle",
    "SessionUser",
    "Signer",
    "has_role",
    "safe_child",
    "session_secret",
    "tokens_match",
]

SESSION_COOKIE = "vaxmix_session"
LOGIN_COOKIE = "vaxmix_login"
SESSION_MAX_AGE_S = 8 * 3600
LOGIN_MAX_AGE_S = 3600


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user of a request."""

    id: int
    username: str
    role: str
    csrf: str


def has_role(role: str, needed: str) -> bool:
    """Roles are ordered viewer < reviewer < admin; a higher role can do what a lower can."""
    return ROLES.index(role) >= ROLES.index(needed)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens; missing tokens never match."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def session_secret(registry: Registry) -> str:
    """The registry's session-signing key, created at random on first use and kept in it."""
    with registry.read() as session:
        value = session.scalar(select(Setting.value).where(Setting.key == "session_secret"))
    if value:
        return value
    try:
        with registry.write() as session:
            session.add(Setting(key="session_secret", value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another process created it first
    with registry.read() as session:
        return session.scalar(select(Setting.value).where(Setting.key == "session_secret")) or ""


class Signer:
    """Signs and reads the session and pre-login cookies."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="vaxmix.session")
        self._login = URLSafeTimedSerializer(secret, salt="vaxmix.login")

    def new_session(self, user_id: int) -> tuple[str, str]:
        """A cookie value for ``user_id`` and its fresh CSRF token."""
        csrf = secrets.token_urlsafe(32)
        return self._session.dumps({"uid": user_id, "csrf": csrf}), csrf

    def read_session(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and "uid" in data and "csrf" in data else None

    def new_login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return self._login.dumps(token), token

    def read_login_token(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            value = self._login.loads(cookie, max_age=LOGIN_MAX_AGE_S)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


def load_user(registry: Registry, data: dict | None) -> SessionUser | None:
    """The active user behind a decoded session cookie, with its current role."""
    if data is None:
        return None
    with registry.read() as session:
        user = session.get(User, int(data["uid"]))
        if user is None or not user.active:
            return None
        return SessionUser(user.id, user.username, user.role, str(data["csrf"]))


def safe_child(root: str | Path, relative: str) -> Path | None:
    """``root/relative`` if it is an existing file inside ``root`` after resolving links.

    Absolute paths, ``..`` components, NUL bytes and symbolic links that lead outside ``root``
    all give ``None``.
    """
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        return None
    base = Path(root).resolve()
    try:
        target = (base / relative).resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


@dataclass
class LoginThrottle:
    """Counts failed sign-ins per (user name, client address) in a sliding window.

    It holds state (the recent failures), hence a class; one instance per app, shared by the
    form and the JSON login. The state is in memory: it resets when the server restarts, and
    with several server processes each counts its own failures.
    """

    max_failures: int = 5
    window_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _recent(self, key: tuple[str, str], now: float) -> deque:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window_s:
            times.popleft()
        return times

    def retry_after(self, username: str, client: str) -> float:
        """Seconds until ``username`` may try again from ``client`` (0 when it may now)."""
        key = (username.casefold(), client)
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.max_failures:
                return 0.0
            return max(0.0, self.window_s - (now - times[0]))

    def record(self, username: str, client: str, success: bool) -> None:
        """Count a failure; a success clears the user's failures from that client."""
        key = (username.casefold(), client)
        with self._lock:
            if success:
                self._failures.pop(key, None)
                return
            now = self.clock()
            self._recent(key, now).append(now)
