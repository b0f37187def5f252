"""The public surface of trialdesk.stats: a sorted, complete ``__all__``."""

from __future__ import annotations

import trialdesk.stats as stats


def test_all_is_sorted_and_every_name_in_it_is_importable() -> None:
    assert stats.__all__ == sorted(stats.__all__)
    for name in stats.__all__:
        assert getattr(stats, name) is not None


def test_every_public_class_and_function_of_the_package_is_exported() -> None:
    public = {
        name
        for name, value in vars(stats).items()
        if not name.startswith("_")
        and callable(value)
        and value.__module__.startswith(stats.__name__)
    }
    assert public == set(stats.__all__)
