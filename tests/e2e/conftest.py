"""End-to-end fixtures: a real daphne on the test database (tests.live)."""

from tests.live import live_daphne  # noqa: F401 (a fixture, used by the socket tests)
