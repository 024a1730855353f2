"""Accounts: argon2 hashes only, roles, memberships, sessions stored as digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from revenant.errors import UnknownCase, UsageError
from revenant.model import Tlp
from revenant.store import Store
from revenant.store.accounts import (
    Role,
    add_user,
    authenticate,
    close_session,
    grant,
    list_users,
    open_session,
    revoke,
    role_of,
    session_of,
    update_user,
)
from revenant.store.cases import create_case
from revenant.store.schema import UserRow, WebSessionRow
from tests.conftest import FakeClock

PASSWORD = "a long enough password"


def test_a_password_is_kept_only_as_an_argon2id_hash(store: Store) -> None:
    add_user(store, "ana", Role.ANALYST, PASSWORD)
    with store.session() as s:
        stored = s.scalar(select(UserRow.password_hash))
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(store, "ana", PASSWORD) is not None
    assert authenticate(store, "ana", PASSWORD + "x") is None
    assert authenticate(store, "nobody", PASSWORD) is None


def test_bad_names_roles_short_passwords_and_duplicates_are_refused(store: Store) -> None:
    for name in ("", "-x", "a b", "x" * 101, "<script>"):
        with pytest.raises(UsageError):
            add_user(store, name, Role.VIEWER, PASSWORD)
    with pytest.raises(UsageError, match="admin, analyst, viewer, partner"):
        role_of("root")
    with pytest.raises(UsageError, match="at least"):
        add_user(store, "ana", Role.VIEWER, "short")
    add_user(store, "ana", Role.VIEWER, PASSWORD)
    with pytest.raises(UsageError, match="already exists"):
        add_user(store, "ana", Role.ADMIN, PASSWORD)


def test_memberships_and_partner_clearance(store: Store) -> None:
    create_case(store, "coco", ["coco.gg"])
    add_user(store, "p", Role.PARTNER, PASSWORD, tlp=Tlp.AMBER)
    assert grant(store, "p", "coco") and not grant(store, "p", "coco")
    with pytest.raises(UnknownCase):
        grant(store, "p", "nope")
    [(user, cases)] = list_users(store)
    assert cases == ["coco"] and user.clearance is Tlp.AMBER
    assert revoke(store, "p", "coco") and not revoke(store, "p", "coco")
    update_user(store, "p", role=Role.ANALYST)
    assert list_users(store)[0][0].clearance is None  # only partners have a TLP limit


def test_sessions_store_a_digest_and_end_on_expiry_logout_disable_or_new_password(
    store: Store, clock: FakeClock
) -> None:
    user = add_user(store, "ana", Role.ANALYST, PASSWORD)
    token = open_session(store, user, now=clock(), ttl=timedelta(hours=1))
    with store.session() as s:
        assert token not in {r.token_hash for r in s.scalars(select(WebSessionRow))}
    live = session_of(store, token, now=clock())
    assert live is not None and live.user.name == "ana" and len(live.csrf) >= 32
    assert session_of(store, token, now=clock() + timedelta(hours=2)) is None
    assert session_of(store, "guess", now=clock()) is None
    close_session(store, token)
    assert session_of(store, token, now=clock()) is None
    for change in ({"disabled": True}, {"password": PASSWORD + "!"}):
        token = open_session(store, user, now=clock(), ttl=timedelta(hours=1))
        update_user(store, "ana", **change)  # type: ignore[arg-type]
        assert session_of(store, token, now=clock()) is None
        update_user(store, "ana", disabled=False)
