"""A migrated database on both backends with a seeded contract (tests/support/seeded.py)."""

from tests.support.seeded import db, seeded  # noqa: F401  (fixtures)
