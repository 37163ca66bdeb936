"""The API commits a request's transaction BEFORE it sends the response: a client acting on a 201
finds its row (the reported bug: the session dependency committed after the response was sent)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sqlalchemy import func, select

from central import db
from tests.central.conftest import Api, TestClient

Message = MutableMapping[str, Any]


def test_a_signed_contract_is_committed_when_the_201_starts(api: Api) -> None:
    api.seed_site()
    database: db.Database = api.client.app.state.central.database  # type: ignore[attr-defined]
    seen: list[int] = []
    inner = api.client.app

    async def watching(scope: Message, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        async def on_send(message: Message) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                with database.engine.connect() as other:  # another connection: only committed rows
                    seen.append(other.scalar(select(func.count()).select_from(db.Contract)) or 0)
            await send(message)

        await inner(scope, receive, on_send)  # type: ignore[operator]

    resident = api.resident()
    watched = Api(TestClient(watching), api.admin, api.clock)  # the running app, behind the watcher
    assert watched.sign(["沪A12345"], resident).status_code == 201
    assert seen == [1]
