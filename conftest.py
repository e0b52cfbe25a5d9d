"""Doctests in minigrad/ (`make test` runs them) can use `mg` and `np` without importing them."""

import numpy as np
import pytest

import minigrad


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict) -> None:
    doctest_namespace["mg"] = minigrad
    doctest_namespace["np"] = np
