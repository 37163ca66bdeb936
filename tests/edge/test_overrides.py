"""Which guard actions a read offers: one rule for the page and the desk."""

from __future__ import annotations

import pytest

from edge.overrides import offered
from shared import Direction, GuardAction, Outcome

OPEN, DENY, CORRECT = GuardAction.OPEN, GuardAction.DENY, GuardAction.CORRECT


@pytest.mark.parametrize(("direction", "outcome", "decided", "actions"), [
    (Direction.ENTRY, Outcome.REVIEW, False, (OPEN, DENY, CORRECT)),
    (Direction.ENTRY, Outcome.DENY, False, (OPEN, CORRECT)),  # a visitor: open with a reason
    (Direction.ENTRY, Outcome.OPEN, False, ()),  # the car is in
    (Direction.EXIT, Outcome.OPEN, False, ()),  # never deny an exit that opened
    (Direction.EXIT, Outcome.REVIEW, False, (OPEN,)),  # barrier fault: open again, never deny
    (Direction.ENTRY, Outcome.REVIEW, True, ()),  # another guard decided it: act on the newer event
])
def test_actions_offered(direction: Direction, outcome: Outcome, decided: bool,
                         actions: tuple[GuardAction, ...]) -> None:
    assert offered(direction, outcome, decided) == actions
