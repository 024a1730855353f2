"""Accounts: users with a role, their case memberships, and dashboard sessions.

A user's name is the identity every decision is recorded under: the dashboard's login
and the CLI's `--actor` are the same names. Passwords are kept only as argon2id hashes;
session tokens only as SHA-256 digests, so the database holds no usable secret.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from revenant.errors import UsageError
from revenant.model import Clock, Tlp, utcnow
from revenant.store.cases import case_row
from revenant.store.db import Store
from revenant.store.schema import CaseRow, MembershipRow, UserRow, WebSessionRow


class Role(enum.StrEnum):
    """What a user may do. Admins see every case; everyone else only the cases they are
    members of. Partners see only what the TLP of a case allows them."""

    ADMIN = "admin"
    ANALYST = "analyst"  # decides alerts, edits cases
    VIEWER = "viewer"  # reads
    PARTNER = "partner"  # another agency: reads what TLP allows

    @property
    def decides(self) -> bool:
        """Whether this role may confirm, dismiss or edit."""
        return self in (Role.ADMIN, Role.ANALYST)


MIN_PASSWORD = 12
"""Shortest password accepted (NIST SP 800-63B asks at least 8; the dashboard guards
evidence)."""

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@-]{0,99}$")
_HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile
_DUMMY = _HASHER.hash("revenant: compared against when the user does not exist")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    disabled: bool
    created_at: datetime
    tlp: Tlp = Tlp.GREEN  # a partner's clearance

    @property
    def clearance(self) -> Tlp | None:
        """The highest TLP level this user may see; None: no TLP limit (not a partner)."""
        return self.tlp if self.role is Role.PARTNER else None


@dataclass(frozen=True)
class WebSession:
    """A logged-in user as a request sees it: who, the form token, which cases."""

    user: User
    csrf: str
    cases: frozenset[int]  # case ids the user is a member of (admins: see Role)
    expires_at: datetime


def _to_user(row: UserRow) -> User:
    return User(row.id, row.name, Role(row.role), row.disabled, row.created_at, Tlp(row.tlp))


def role_of(text: str) -> Role:
    try:
        return Role(text)
    except ValueError:
        raise UsageError(f"role {text!r}: one of {', '.join(r.value for r in Role)}") from None


def check_name(name: str) -> str:
    """A user name as the ledger and the CLI's --actor will write it."""
    if not _NAME.match(name):
        raise UsageError(
            f"user name {name!r}: 1 to 100 letters, digits, '.', '_', '@' or '-', "
            "not starting with a punctuation mark"
        )
    return name


def new_password() -> str:
    """A random password (16 URL-safe characters, 96 bits)."""
    return secrets.token_urlsafe(12)


def _hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"password: at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def _user_row(session: Session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise UsageError(f"no user named {name!r} (see `revenant user list`)")
    return row


def add_user(
    store: Store,
    name: str,
    role: Role,
    password: str,
    *,
    tlp: Tlp = Tlp.GREEN,
    clock: Clock = utcnow,
) -> User:
    """Create an account; the password is stored as an argon2id hash only. `tlp` is a
    partner's clearance (GREEN unless said: the partner's community)."""
    row = UserRow(
        tlp=str(tlp),
        name=check_name(name),
        role=str(role),
        password_hash=_hash_password(password),
        created_at=clock(),
        disabled=False,
    )
    try:
        with store.session() as session:
            session.add(row)
            session.flush()
            return _to_user(row)
    except IntegrityError:
        raise UsageError(f"user {name!r} already exists") from None


def get_user(store: Store, name: str) -> User:
    with store.session() as session:
        return _to_user(_user_row(session, name))


def list_users(store: Store) -> list[tuple[User, list[str]]]:
    """Every account with the names of the cases it is a member of."""
    with store.session() as session:
        users = session.scalars(select(UserRow).order_by(UserRow.name)).all()
        cases: dict[int, list[str]] = {}
        for user_id, case in session.execute(
            select(MembershipRow.user_id, CaseRow.name)
            .join(CaseRow, CaseRow.id == MembershipRow.case_id)
            .order_by(CaseRow.name)
        ):
            cases.setdefault(int(user_id), []).append(str(case))
        return [(_to_user(u), cases.get(u.id, [])) for u in users]


def update_user(
    store: Store,
    name: str,
    *,
    role: Role | None = None,
    password: str | None = None,
    disabled: bool | None = None,
    tlp: Tlp | None = None,
) -> User:
    """Change a role, a password, the disabled flag or a partner's clearance. A disabled
    user's or a changed password's sessions end at once."""
    with store.session() as session:
        row = _user_row(session, name)
        if role is not None:
            row.role = str(role)
        if password is not None:
            row.password_hash = _hash_password(password)
        if disabled is not None:
            row.disabled = disabled
        if tlp is not None:
            row.tlp = str(tlp)
        if password is not None or disabled:
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
        return _to_user(row)


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if the name exists, is enabled and the password matches; else None.
    An unknown name costs one argon2 verification too, so timing does not tell."""
    with store.session() as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        stored = row.password_hash if row is not None else _DUMMY
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled:
            return None
        if _HASHER.check_needs_rehash(stored):
            row.password_hash = _HASHER.hash(password)
        return _to_user(row)


# ------------------------------------------------------------------ memberships


def grant(store: Store, name: str, case: str, *, clock: Clock = utcnow) -> bool:
    """Make a user a member of a case; False if it already was."""
    with store.session() as session:
        user = _user_row(session, name)
        case_id = case_row(session, case).id
        known = session.scalar(
            select(MembershipRow.id).where(
                MembershipRow.user_id == user.id, MembershipRow.case_id == case_id
            )
        )
        if known is not None:
            return False
        session.add(MembershipRow(user_id=user.id, case_id=case_id, created_at=clock()))
        return True


def revoke(store: Store, name: str, case: str) -> bool:
    """End a user's membership of a case; False if there was none."""
    with store.session() as session:
        user = _user_row(session, name)
        case_id = case_row(session, case).id
        done = session.execute(
            delete(MembershipRow).where(
                MembershipRow.user_id == user.id, MembershipRow.case_id == case_id
            )
        )
        return bool(getattr(done, "rowcount", 0))


def member_cases(session: Session, user_id: int) -> frozenset[int]:
    return frozenset(
        int(i)
        for i in session.scalars(
            select(MembershipRow.case_id).where(MembershipRow.user_id == user_id)
        )
    )


# --------------------------------------------------------------------- sessions


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    store: Store, user: User, *, now: datetime, ttl: timedelta, address: str = ""
) -> str:
    """Start a dashboard session; returns the token (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    with store.session() as session:
        # Expired sessions of anyone are swept on each login: the table stays small.
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
        session.add(
            WebSessionRow(
                token_hash=_digest(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + ttl,
                address=address[:64],
            )
        )
    return token


def session_of(store: Store, token: str, *, now: datetime) -> WebSession | None:
    """The live session a cookie names, or None (unknown, expired, user disabled)."""
    if not token or len(token) > 100:
        return None
    with store.session() as session:
        found = session.execute(
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.token_hash == _digest(token))
        ).first()
        if found is None:
            return None
        web, user = found
        if web.expires_at <= now or user.disabled:
            return None
        return WebSession(
            user=_to_user(user),
            csrf=web.csrf,
            cases=member_cases(session, user.id),
            expires_at=web.expires_at,
        )


def close_session(store: Store, token: str) -> None:
    with store.session() as session:
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == _digest(token)))
