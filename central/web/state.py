"""What the web pages need: settings, database, clock, the SMS sender, templates.

Nothing here imports ``central.api``: the API mounts the web apps, not the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from central import db
from central.accounts import SmsSender
from central.core.config import WebSettings
from central.web.formats import money

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass
class WebState:
    """Kept on ``app.state.web``; tests may swap ``sender``."""

    settings: WebSettings
    database: db.Database  # the API's
    clock: Callable[[], datetime]  # the API's
    sender: SmsSender | None  # None: resident sign-in is off (no sender configured outside development)
    templates: Environment


def template_environment() -> Environment:
    """Jinja2 with autoescape on, and an error (not an empty string) for an undefined name."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["money"] = money
    return environment


def get_web(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


WebDep = Annotated[WebState, Depends(get_web)]


def web_transaction(web: WebDep) -> Iterator[Session]:
    """One transaction per page request, committed BEFORE the response is sent (scope="function"):
    a browser that follows the redirect after sign-in must find its session row."""
    with web.database.transaction() as session:
        yield session


WebSessionDep = Annotated[Session, Depends(web_transaction, scope="function")]
