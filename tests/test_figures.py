"""Figures as people read them."""

from __future__ import annotations

import pytest

from mpu_qual.figures import format_share


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (0.0, "0%"),
        (None, "0%"),
        (0.0004, "<1%"),  # one coded passage in a long transcript is not "0% coded"
        (0.005, "<1%"),  # rounds to 0% (half to even), but is not nothing
        (0.0051, "1%"),
        (0.25, "25%"),
        (0.996, ">99%"),  # nearly all is not all
        (0.994, "99%"),
        (1.0, "100%"),
    ],
)
def test_format_share(share: float | None, text: str) -> None:
    assert format_share(share) == text
