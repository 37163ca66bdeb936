"""API tokens as the console manages them: listed newest first without their text, revoked at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from central import db
from central.core.security import Principal, Role, create_token, list_tokens, principal_for, revoke_token
from central.db.migrate import upgrade_to_head
from central.errors import ConflictError, ForbiddenError, NotFoundError
from central.listing import PageRequest

NOW = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)
ADMIN = Principal(Role.ADMIN)


@pytest.fixture
def database(database_url: str) -> Iterator[db.Database]:
    upgrade_to_head(database_url)
    found = db.Database(database_url)
    with found.transaction() as session:
        session.add(db.Institution(id="inst1", name="Hospital", created_at=NOW))
    yield found
    found.dispose()


def test_tokens_are_listed_newest_first_and_a_revoked_one_is_refused_at_once(database: db.Database) -> None:
    with database.transaction() as session:
        first = create_token(session, Role.ADMIN, NOW, name="backup job")
        second = create_token(
            session, Role.OPERATOR, NOW + timedelta(minutes=1), name="sign", institution_id="inst1"
        )
    with database.transaction() as session:
        page = list_tokens(session, ADMIN, PageRequest(10, 0))
        assert [t.name for t in page.items] == ["sign", "backup job"] and page.total == 2
        assert all(first not in str(vars(t)) and second not in str(vars(t)) for t in page.items)
        revoke_token(session, ADMIN, page.items[0].id, NOW + timedelta(minutes=2))
    with database.transaction() as session:
        assert principal_for(session, second, NOW + timedelta(minutes=3)) is None
        assert principal_for(session, first, NOW + timedelta(minutes=3)) == ADMIN
        assert [
            t.name for t in list_tokens(session, ADMIN, PageRequest(10, 0), include_revoked=False).items
        ] == ["backup job"]


def test_only_admins_list_or_revoke_and_a_token_is_revoked_once(database: db.Database) -> None:
    operator = Principal(Role.OPERATOR, institution_id="inst1")
    with database.transaction() as session:
        create_token(session, Role.ADMIN, NOW)
        token_id = list_tokens(session, ADMIN, PageRequest(10, 0)).items[0].id
        with pytest.raises(ForbiddenError):
            list_tokens(session, operator, PageRequest(10, 0))
        with pytest.raises(ForbiddenError):
            revoke_token(session, operator, token_id, NOW)
        revoke_token(session, ADMIN, token_id, NOW)
        with pytest.raises(ConflictError, match="already revoked"):
            revoke_token(session, ADMIN, token_id, NOW)
        with pytest.raises(NotFoundError):
            revoke_token(session, ADMIN, token_id + 100, NOW)
