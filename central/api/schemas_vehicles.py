"""Bodies of the own-vehicle and blacklist routes. Plates are normalised; text refuses control characters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from shared import PlainText, TimeWindow, parse_plate

Plate = Annotated[str, Field(min_length=1, max_length=32, description="licence plate, normalised"),
                  AfterValidator(lambda text: parse_plate(text).text)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OwnVehicleIn(_In):
    plate: Plate
    holder: PlainText = Field(default="", max_length=100, description="whose car: shown to the guard")
    windows: list[TimeWindow] = Field(default=[], max_length=14, description="empty: at any time")


class OwnVehicleChangeIn(_In):
    """Only the fields given change."""

    plate: Plate | None = None
    holder: PlainText | None = Field(default=None, max_length=100)
    windows: list[TimeWindow] | None = Field(default=None, max_length=14)


class OwnVehicleOut(_Out):
    id: int
    site_id: str
    plate: str
    holder: str
    windows: list[TimeWindow]
    created_at: datetime
    updated_at: datetime


class BlacklistIn(_In):
    plate: Plate
    reason: PlainText = Field(min_length=1, max_length=200, description="shown to the guard")
    until: AwareDatetime | None = Field(default=None, description="refused until then; none: until removed")


class BlacklistChangeIn(_In):
    """Only the fields given change; send "until": null to refuse until removed."""

    plate: Plate | None = None
    reason: PlainText | None = Field(default=None, min_length=1, max_length=200)
    until: AwareDatetime | None = None


class BlacklistOut(_Out):
    id: int
    site_id: str
    plate: str
    reason: str
    until: datetime | None
    created_at: datetime
    updated_at: datetime
