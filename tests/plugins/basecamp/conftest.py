"""Shared helpers of the Basecamp tests: the copied real payloads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "basecamp"


def load(name: str) -> Any:
    """A fresh copy of a fixture, safe to modify in a test."""
    return copy.deepcopy(json.loads((FIXTURES / name).read_text(encoding="utf-8")))


@pytest.fixture
def fixture() -> Any:
    return load
