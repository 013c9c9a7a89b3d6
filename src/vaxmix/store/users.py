"""Local accounts: creation, password changes, sign-out everywhere and sign-in checks.

Passwords are stored as argon2id hashes; a failed sign-in does the same hashing work as a
successful one (a dummy hash stands in for an unknown user). Every write is audited in the same
transaction as the change.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from vaxmix.common.errors import InputError
from vaxmix.store.audit import append_audit, now_iso
from vaxmix.store.db import Registry
from vaxmix.store.errors import NotFound, check_text
from vaxmix.store.models import ROLES, User

# argon2id, RFC 9106 "second recommended option" (t=3, 64 MiB, p=4): argon2-cffi's default.
HASHER_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_HASHER = PasswordHasher.from_parameters(HASHER_PARAMETERS)
_DUMMY_HASH = _HASHER.hash("vaxmix-timing-equaliser")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD_LENGTH = 8


def add_user(registry: Registry, username: str, password: str, role: str, actor: str) -> int:
    """Create a local account with an argon2id password hash; returns its id."""
    if not USERNAME_PATTERN.match(username):
        raise InputError("use 1-64 letters, digits or . _ @ -", field="username")
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}", field="role")
    _check_password_rules(password)
    with registry.write() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise InputError(f"user {username!r} already exists", field="username")
        user = User(
            username=username,
            password_hash=_HASHER.hash(password),
            role=role,
            active=True,
            created_at=now_iso(),
        )
        session.add(user)
        session.flush()
        append_audit(
            session, actor, "user.create", "user", user.id, {"username": username, "role": role}
        )
        return user.id


def _check_password_rules(password: str) -> None:
    check_text(password, "password")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"password needs at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def set_password(registry: Registry, username: str, password: str, actor: str) -> int:
    """Give ``username`` a new password and revoke all of its sessions; returns how many.

    Whoever knew the old password (or holds a session made with it) is signed out at once.
    """
    from vaxmix.store.security import revoke_user_sessions

    _check_password_rules(password)
    with registry.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username!r}")
        user.password_hash = _HASHER.hash(password)
        append_audit(session, actor, "user.password", "user", user.id, {"username": username})
        return revoke_user_sessions(session, user.id, actor, "password change")


def revoke_sessions(registry: Registry, user: int | str, actor: str) -> int:
    """Sign ``user`` (id or name) out everywhere (an administrator's action); returns how many
    sessions were live."""
    from vaxmix.store.security import revoke_user_sessions

    with registry.write() as session:
        column = User.id if isinstance(user, int) else User.username
        row = session.scalar(select(User).where(column == user))
        if row is None:
            raise NotFound(f"no user {user!r}")
        return revoke_user_sessions(session, row.id, actor, "revoked by an administrator")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user whose password matches, else ``None`` (same work either way)."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user
