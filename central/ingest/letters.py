"""Dead letters: what could not be taken, kept for a person to look at.

A letter keeps at most ``ingest.dead_letter_payload_bytes`` of the payload, with the whole
payload's size and SHA-256 (a gate account's 10 MB message is not stored whole), the cause
(``db.DeadLetterCause``) and the error naming the field and the value.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from sqlalchemy.orm import Session

from central import db
from central.db import DeadLetterCause

logger = logging.getLogger(__name__)

TOPIC_MAX = 300  # the column's length


def dead_letter(session: Session, topic: str, payload: bytes, cause: DeadLetterCause, error: str,
                now: datetime, prefix_bytes: int) -> None:
    """Add the letter to the session (the caller's transaction) and log it as a warning."""
    session.add(db.DeadLetter(topic=topic[:TOPIC_MAX], payload=payload[:prefix_bytes],
                              payload_size=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest(),
                              cause=cause, error=error, received_at=now))
    # %r: a topic is not ours to trust, and the error quotes values with repr() already
    logger.warning("dead-lettered a message on %r (%s, %s bytes): %s", topic[:TOPIC_MAX], cause.value,
                   len(payload), error)
