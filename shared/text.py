"""Free text that crosses a trust boundary: no control characters, ever.

A NUL ends strings in C libraries and databases, an ANSI escape rewrites a guard's or an
operator's terminal, a bidi override makes a log line lie. Every text field of a message or a
bundle uses ``PlainText``, so the shared parser refuses them with the field named.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator


def refuse_control_characters(value: str) -> str:
    """``value`` unchanged, or ValueError naming the first control or format character."""
    if value.isprintable():  # the common case, in C: no Cc, Cf, Cs or Co (nor any separator but " ")
        return value
    for position, char in enumerate(value):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co"):
            raise ValueError(f"control character U+{ord(char):04X} at position {position}")
    return value


PlainText = Annotated[str, AfterValidator(refuse_control_characters)]
