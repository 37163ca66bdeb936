"""A migrated database on both backends (tests/support/seeded.py); the rows come from
tests/central/console/seed.py, the same site the console's page tests use."""

from tests.support.seeded import db  # noqa: F401  (fixture)
