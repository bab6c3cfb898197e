"""Options and fixtures of the data-safety tests.

``pytest tests/safety --crash-kills N`` runs the crash-kill harness with N kills instead of
the short default (20), and ``--torture-rounds N`` the concurrency torture with N rounds
instead of 4; pytest reads options only from conftests where it starts, so name this folder. ``--hypothesis-profile=long`` raises every property test of this folder to the
profile's example count. Both stay here, not in tests/conftest.py, to keep areas apart.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

DEFAULT_KILLS = 20
DEFAULT_TORTURE_ROUNDS = 4

settings.register_profile("long", max_examples=1000, deadline=None)

_SUMMARY: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--crash-kills",
        type=int,
        default=DEFAULT_KILLS,
        help="how many times the crash-kill harness kills a writer (default 20)",
    )
    parser.addoption(
        "--torture-rounds",
        type=int,
        default=DEFAULT_TORTURE_ROUNDS,
        help="rounds of the concurrency torture (default 4; benchmarks/bench_concurrency.py "
        "runs hundreds)",
    )


def pytest_terminal_summary(terminalreporter) -> None:  # noqa: ANN001 - pytest hook
    for line in _SUMMARY:
        terminalreporter.write_line(line)


@pytest.fixture
def summary() -> list[str]:
    """Lines to print at the end of the run (e.g. how many kills the harness survived)."""
    return _SUMMARY


@pytest.fixture
def crash_kills(request: pytest.FixtureRequest) -> int:
    # the option exists when pytest starts in tests/safety (see the module docstring)
    return int(request.config.getoption("--crash-kills", default=DEFAULT_KILLS))


@pytest.fixture
def torture_rounds(request: pytest.FixtureRequest) -> int:
    return int(request.config.getoption("--torture-rounds", default=DEFAULT_TORTURE_ROUNDS))
