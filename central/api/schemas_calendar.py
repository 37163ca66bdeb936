"""Bodies of the calendar routes: a year's official schedule, and what is published."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from shared import PlainText


class YearScheduleIn(BaseModel):
    """A year's schedule as the State Council publishes it: it replaces the stored year whole."""

    model_config = ConfigDict(extra="forbid")

    rest_days: list[date] = Field(default=[], max_length=80, description="holidays, bridging days off (休)")
    working_days: list[date] = Field(default=[], max_length=30, description="make-up working days (班)")
    source: PlainText = Field(min_length=1, max_length=200, description="the notice it comes from")


class YearScheduleOut(BaseModel):
    year: int
    source: str
    rest_days: list[date]
    working_days: list[date]


class PublishedYearOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    source: str
    imported_at: datetime
    rest_days: int = Field(description="how many rest days off the weekend rule it lists")
    working_days: int = Field(description="how many make-up working days it lists")


class CalendarStatusOut(BaseModel):
    published: list[PublishedYearOut]
    unpublished_covered: list[int] = Field(description="years a contract covers with no schedule: they "
                                                       "follow the week alone, and each site has an alarm")
