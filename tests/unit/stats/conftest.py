"""Fixtures loading the golden values produced by R and the data sets they came from."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from golden_values import GOLDEN


@pytest.fixture(scope="session")
def golden() -> Callable[[str], Any]:
    def load(name: str) -> Any:
        with (GOLDEN / f"{name}.json").open(encoding="utf-8") as handle:
            return json.load(handle)

    return load


@pytest.fixture(scope="session")
def dataset() -> Callable[[str], pd.DataFrame]:
    def load(name: str) -> pd.DataFrame:
        return pd.read_csv(GOLDEN / "data" / f"{name}.csv")

    return load
