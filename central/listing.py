"""One page of a list, with the total: how every list of the API and the console is cut.

``limit`` is bounded by ``api.page_max`` (the caller passes it), ``offset`` counts rows
skipped; the total counts every row the filters match, so a page can say "21-40 of 137".
The API sends the rows as the body and the total in the ``X-Total-Count`` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 100
    offset: int = 0

    def bounded(self, page_max: int) -> PageRequest:
        return PageRequest(max(1, min(self.limit, page_max)), max(0, self.offset))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(session: Session, query: Select[Any], request: PageRequest) -> Page[Any]:
    """The ``request``'s slice of ``query`` (which must be ordered) and the count of all its rows."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(request.limit).offset(request.offset)))
    return Page(items, total, request.limit, request.offset)
