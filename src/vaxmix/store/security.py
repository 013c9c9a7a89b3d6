"""Sessions, CSRF tokens, roles and safe file paths for the review web app.

* Sessions are server-side rows (``app_session``) named by a random token; the cookie is signed
  and timestamped (itsdangerous ``URLSafeTimedSerializer``) and holds that token and a
  per-session random CSRF token. Every request looks the token up (only its sha256 is stored),
  so a revoked session (sign-out, password change, an administrator) or a deactivated account
  stops working at once, and the role is re-read each time (OWASP Session Management cheat
  sheet: "server-side session invalidation").
* Every state-changing request must carry the session's CSRF token, in the ``csrf_token`` form
  field or the ``X-CSRF-Token`` header (synchronizer-token pattern, OWASP CSRF cheat sheet).
  The login form, which has no session yet, uses a signed pre-login cookie with its own token.
* File-serving routes resolve the requested path and refuse anything outside the run folder.
* Failed sign-ins are throttled per (user name, client address): after ``max_failures`` within
  ``window_s`` further attempts are refused (HTTP 429) until the oldest failure leaves the
  window (OWASP Authentication cheat sheet, "Protect against automated attacks"). Attempts in
  flight count as failures until they finish, so a burst of parallel attempts cannot slip past.
* The client address is the TCP peer; ``X-Forwarded-For`` is believed only when the peer is one
  of the configured trusted proxies (``vaxmix serve --trusted-proxy``), and then only the
  right-most hop that is not itself a trusted proxy (the one the proxy saw), because any client
  can write that header.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.models import ROLES, AppSession, Setting, User

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "LoginThrottle",
    "SessionUser",
    "Signer",
    "TrustedProxies",
    "client_address",
    "has_role",
    "open_session",
    "revoke_session",
    "revoke_user_sessions",
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
    token: str = field(default="", repr=False)  # the session's token (to revoke it)


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

    def new_session(self, token: str) -> tuple[str, str]:
        """A cookie value for the server-side session ``token`` and its fresh CSRF token."""
        csrf = secrets.token_urlsafe(32)
        return self._session.dumps({"sid": token, "csrf": csrf}), csrf

    def read_session(self, cookie: str | None) -> dict | None:
        data = _loads(self._session, cookie, SESSION_MAX_AGE_S)
        if not isinstance(data, dict):
            return None
        if not isinstance(data.get("sid"), str) or not isinstance(data.get("csrf"), str):
            return None  # also a cookie from before server-side sessions (migration 0003)
        return data

    def new_login_token(self) -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return self._login.dumps(token), token

    def read_login_token(self, cookie: str | None) -> str | None:
        value = _loads(self._login, cookie, LOGIN_MAX_AGE_S)
        return value if isinstance(value, str) else None


def _loads(serializer: URLSafeTimedSerializer, cookie: str | None, max_age: int) -> Any:
    """The value signed into ``cookie``; ``None`` when it is missing, forged or too old
    (``SignatureExpired`` is a ``BadSignature``)."""
    if not cookie:
        return None
    try:
        return serializer.loads(cookie, max_age=max_age)
    except BadSignature:
        return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(registry: Registry, user_id: int) -> str:
    """Store a new session of ``user_id``; returns its random token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    with registry.write() as session:
        session.add(
            AppSession(user_id=user_id, token_hash=_token_hash(token), created_at=now_iso())
        )
    return token


def revoke_session(registry: Registry, token: str, actor: str, reason: str) -> bool:
    """Revoke one session (sign-out); True when it was live."""
    with registry.write() as session:
        row = session.scalar(
            select(AppSession).where(
                AppSession.token_hash == _token_hash(token), AppSession.revoked_at.is_(None)
            )
        )
        if row is None:
            return False
        row.revoked_at, row.revoked_by, row.revoked_reason = now_iso(), actor, reason
        append_audit(session, actor, "session.revoke", "user", row.user_id, {"reason": reason})
        return True


def revoke_user_sessions(session: Session, user_id: int, actor: str, reason: str) -> int:
    """Revoke every live session of ``user_id`` in ``session``'s transaction (audited).

    Used by a password change and by an administrator; returns how many were live.
    """
    result = session.execute(
        update(AppSession)
        .where(AppSession.user_id == user_id, AppSession.revoked_at.is_(None))
        .values(revoked_at=now_iso(), revoked_by=actor, revoked_reason=reason)
    )
    count = result.rowcount or 0
    append_audit(
        session, actor, "user.sessions_revoked", "user", user_id, {"reason": reason, "count": count}
    )
    return count


def load_user(registry: Registry, data: dict | None) -> SessionUser | None:
    """The active user of a live session (decoded cookie), with its current role."""
    if data is None:
        return None
    token = str(data["sid"])
    with registry.read() as session:
        user = session.scalar(
            select(User)
            .join(AppSession, AppSession.user_id == User.id)
            .where(AppSession.token_hash == _token_hash(token), AppSession.revoked_at.is_(None))
        )
        if user is None or not user.active:
            return None
        return SessionUser(user.id, user.username, user.role, str(data["csrf"]), token)


@dataclass(frozen=True)
class TrustedProxies:
    """Addresses or networks (``10.0.0.0/8``) of reverse proxies whose X-Forwarded-For counts."""

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, values: list[str] | tuple[str, ...] | None) -> TrustedProxies:
        """Parse ``--trusted-proxy`` values; a bad one raises ``ValueError`` naming it."""
        networks = []
        for value in values or ():
            try:
                networks.append(ipaddress.ip_network(value.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"not an IP address or network: {value!r}") from exc
        return cls(tuple(networks))

    def __contains__(self, address: object) -> bool:
        try:
            ip = ipaddress.ip_address(str(address))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def client_address(peer: str, forwarded_for: list[str], trusted: TrustedProxies) -> str:
    """The address to throttle on: the TCP ``peer`` unless it is a trusted proxy.

    Behind a trusted proxy, the right-most ``X-Forwarded-For`` hop that is not itself a trusted
    proxy (hops to its left were written by the client and prove nothing). A malformed hop
    counts as the proxy's own address, so garbage cannot mint fresh throttle keys.
    """
    if peer not in trusted:
        return peer
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return peer
    return peer


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
    _pending: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
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

    def start(self, username: str, client: str) -> float:
        """Like ``retry_after``, but when it is 0 the attempt counts as a failure until
        ``finish`` (so that parallel attempts cannot all pass the check at once)."""
        key = (username.casefold(), client)
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) + self._pending.get(key, 0) >= self.max_failures:
                if not times:
                    return 1.0  # only attempts in flight: try again in a moment
                return max(1.0, self.window_s - (now - times[0]))
            self._pending[key] = self._pending.get(key, 0) + 1
            return 0.0

    def finish(self, username: str, client: str, success: bool | None) -> None:
        """End an attempt begun with ``start``; ``None`` (it failed to run) counts nothing."""
        key = (username.casefold(), client)
        with self._lock:
            left = self._pending.get(key, 0) - 1
            if left > 0:
                self._pending[key] = left
            else:
                self._pending.pop(key, None)
        if success is not None:
            self.record(username, client, success)

    def record(self, username: str, client: str, success: bool) -> None:
        """Count a failure; a success clears the user's failures from that client."""
        key = (username.casefold(), client)
        with self._lock:
            if success:
                self._failures.pop(key, None)
                return
            now = self.clock()
            self._recent(key, now).append(now)
