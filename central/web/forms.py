"""Reading a submitted form and acting on it: fields checked by the API's own pydantic models (each
bound written once), and a service call that either succeeds whole or leaves nothing behind.

- ``FormDep``: the submitted form (parsed once; the CSRF guard has read it already).
- ``fields(form, names)``: the non-empty fields among ``names`` (an empty field is "not given").
- ``check(model, data, page, messages)``: the model, or each failing field's message from the
  catalogue (``messages`` maps a field to its key; the same text the field shows as you type).
- ``attempt(page, action, summary)``: runs a service call in a savepoint. An expected refusal
  (``ParkingError``, a bad value) rolls back whatever the call wrote and comes back as a
  ``Refusal``: the summary in the page's language and the service's own words (which name the
  field and value, in English) as detail. A missing or foreign row still raises ``NotFoundError``
  (the 404 page); anything else is a fault and rolls the whole request back.
- ``window_rows`` / ``windows_of``: the rules editor's rows (day type, start, end, next day).
- ``instant_from_local``: a ``datetime-local`` field, read in a site's zone, as an aware UTC instant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.datastructures import FormData, ImmutableMultiDict

from central.errors import NotFoundError
from central.web.pages import PageRequest
from shared import ParkingError, TimeWindow

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
FORM_ERROR = "form"  # the key of an error that belongs to no one field
WINDOW_FIELDS = ("day_type", "start", "end", "end_day")  # the rules editor's columns: w_day_type, ...
MAX_WINDOW_ROWS = 14


async def read_form(request: Request) -> AsyncIterator[FormData]:
    """The request's form (Starlette parses it once); uploaded files are closed after the response."""
    form = await request.form()
    try:
        yield form
    finally:
        await form.close()


FormDep = Annotated[FormData, Depends(read_form)]


def text(form: FormData, name: str, limit: int = 2000) -> str:
    """One field's text, stripped and cut at ``limit``; '' when absent (or a file)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def fields(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The fields among ``names`` that were filled in."""
    return {name: value for name in names if (value := text(form, name))}


def check(model: type[M], data: Mapping[str, Any], page: PageRequest,
          messages: Mapping[str, str]) -> tuple[M | None, dict[str, str]]:
    try:
        return model.model_validate(dict(data)), {}
    except ValidationError as exc:
        return None, field_errors(exc, page, messages)


def field_errors(exc: ValidationError, page: PageRequest, messages: Mapping[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]).removesuffix("_fen") if error["loc"] else FORM_ERROR  # fen typed as yuan
        errors.setdefault(name, page.t(messages.get(name, "form.invalid")))
    return errors


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why the service said no: ``message`` in the page's language, ``detail`` in the service's words."""

    message: str
    detail: str


def attempt(page: PageRequest, action: Callable[[], T], summary: str) -> T | Refusal:
    """``action()`` in a savepoint of the page's transaction; a refusal leaves nothing it wrote."""
    savepoint = page.db.begin_nested()
    try:
        result = action()
    except NotFoundError:
        savepoint.rollback()
        raise
    except (ParkingError, ValueError) as exc:
        savepoint.rollback()
        return Refusal(page.t(summary), str(exc))
    except (IntegrityError, DataError):
        savepoint.rollback()
        return Refusal(page.t(summary), "a value cannot be stored (already taken, too long, or a NUL)")
    savepoint.commit()
    return result


def window_rows(form: ImmutableMultiDict[str, Any]) -> list[dict[str, str]]:
    """The editor's rows as submitted (a form, or the preview's query), blank rows dropped."""
    columns = [form.getlist(f"w_{name}") for name in WINDOW_FIELDS]
    rows = [dict(zip(WINDOW_FIELDS, (str(v).strip()[:10] for v in row), strict=True))
            for row in zip(*columns, strict=False)][:MAX_WINDOW_ROWS]
    return [row for row in rows if row["start"] or row["end"]]


def windows_of(rows: Iterable[Mapping[str, str]]) -> list[TimeWindow]:
    """The rows as windows; a bad row raises (ValidationError or WindowError, both ValueErrors here)."""
    return [TimeWindow.model_validate({"day_type": row["day_type"], "start": row["start"], "end": row["end"],
                                       "end_day_offset": 1 if row.get("end_day") == "1" else 0})
            for row in rows]


def rows_of(windows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Stored windows (``TimeWindow`` as JSON) as editor rows."""
    found = [TimeWindow.model_validate(w) for w in windows]
    return [{"day_type": w.day_type.value, "start": f"{w.start:%H:%M}", "end": f"{w.end:%H:%M}",
             "end_day": str(w.end_day_offset or 0)} for w in found]


def instant_from_local(value: str, zone: str) -> datetime:
    """``2025-03-10T18:00`` (wall-clock time in ``zone``) as an aware UTC datetime; ValueError if not one."""
    local = datetime.fromisoformat(value)
    if local.tzinfo is not None:
        raise ValueError(f"until: {value!r} must be a local time without a zone")
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
