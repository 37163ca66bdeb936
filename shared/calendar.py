"""The official calendar: which days are rest days and which are make-up working days (调休).

China's State Council publishes each year's schedule between October and December of the
year before. The central service keeps it as data an admin edits (seeded from the
``holidays`` package for the years that package has from the official notices) and signs it
into every site bundle, so a gate and the bill count the same days.

A day listed as a make-up working day works; a day listed as a rest day rests; any other
day follows the week (Saturday and Sunday rest). A year with no schedule falls back to the
week alone, with no public holidays: nobody is admitted on a guess, and the central service
and the guard page raise "calendar YYYY not published" while a contract covers that year
(docs/billing.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator


class DayType(StrEnum):
    WORKING = "working"
    REST = "rest"


class YearSchedule(BaseModel):
    """One year's official schedule: the rest days off the weekend rule and the make-up working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int = Field(ge=2000, le=2100)
    rest_days: tuple[date, ...] = Field(default=(), max_length=80,
                                        description="public holidays and bridging days off (休)")
    working_days: tuple[date, ...] = Field(default=(), max_length=30,
                                           description="make-up working days (班), usually weekends")
    source: str = Field(default="", max_length=200, description="where the schedule comes from")

    @model_validator(mode="after")
    def _check(self) -> YearSchedule:
        for field in ("rest_days", "working_days"):
            days: tuple[date, ...] = getattr(self, field)
            strays = [d.isoformat() for d in days if d.year != self.year]
            if strays:
                raise ValueError(f"{field}: {', '.join(strays)} not in {self.year}")
            if len(set(days)) != len(days):
                raise ValueError(f"{field}: a day is listed twice")
        both = sorted(set(self.rest_days) & set(self.working_days))
        if both:
            raise ValueError(f"listed as both rest and working: {', '.join(d.isoformat() for d in both)}")
        return self


class OfficialCalendar(BaseModel):
    """The published years' schedules; looked up in sets built once, for the gate's hot path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    years: tuple[YearSchedule, ...] = Field(default=(), max_length=50)
    _listed: dict[date, DayType] = PrivateAttr(default_factory=dict)  # every day a schedule names
    _published: frozenset[int] = PrivateAttr(default=frozenset())
    _hash: int = PrivateAttr(default=0)

    @model_validator(mode="after")
    def _index(self) -> OfficialCalendar:
        years = [s.year for s in self.years]
        if len(set(years)) != len(years):
            raise ValueError("years: a year is listed twice")
        self._listed = {d: DayType.REST for s in self.years for d in s.rest_days}
        self._listed.update((d, DayType.WORKING) for s in self.years for d in s.working_days)
        self._published = frozenset(years)
        self._hash = hash(self.years)
        return self

    def __hash__(self) -> int:  # computed once: billing keys its caches by calendar
        return self._hash

    def day_type(self, day: date) -> DayType:
        """Working or rest day: the schedule first, then the week.

        On the gate's hot path (several calls a decision): the private dict is read from
        ``__pydantic_private__`` directly, as pydantic's ``__getattr__`` for it costs more than the rest.
        """
        listed: DayType | None = self.__pydantic_private__["_listed"].get(day)  # type: ignore[index]
        if listed is not None:
            return listed
        return DayType.REST if day.weekday() >= 5 else DayType.WORKING

    def published(self, year: int) -> bool:
        return year in self._published

    def unpublished_years(self, first: date, last: date) -> tuple[int, ...]:
        """Years from ``first`` to ``last`` (inclusive) that have no schedule: they follow the week alone."""
        return tuple(y for y in range(first.year, last.year + 1) if y not in self._published)

    def schedule(self, year: int) -> YearSchedule | None:
        return next((s for s in self.years if s.year == year), None)

    def covering(self, first: date, last: date) -> OfficialCalendar:
        """Only the years from ``first`` to ``last``: what a bundle needs to carry."""
        return OfficialCalendar(years=tuple(s for s in self.years if first.year <= s.year <= last.year))


def schedule_from_holidays(year: int) -> YearSchedule:
    """A year's schedule as the installed ``holidays`` package has it (its rest and make-up days).

    Only trust it for years the package has from the State Council's notice: for a later year
    the package guesses the statutory days and knows no make-up working days.
    """
    import holidays

    china = holidays.country_holidays("CN", years=[year])
    days = tuple(_days_of(year))
    rest = tuple(d for d in days if d.weekday() < 5 and not china.is_working_day(d))
    working = tuple(d for d in days if d.weekday() >= 5 and china.is_working_day(d))
    version = getattr(holidays, "__version__", "?")
    return YearSchedule(year=year, rest_days=rest, working_days=working, source=f"holidays {version}")


def _days_of(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)
