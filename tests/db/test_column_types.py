"""The store's own column types can be cached: SQLAlchemy caches a compiled statement only when every
custom type in it declares ``cache_ok`` on its own class (a base class's does not count). Without it each
lookup by a sealed column is compiled again on every call, which cost the exact lookups their p99 target
(BENCHMARKS.md, Search)."""

from __future__ import annotations

import inspect
import warnings

import pytest
from sqlalchemy.sql.cache_key import NO_CACHE
from sqlalchemy.types import TypeDecorator

from outlet_desk.db import types

DECORATORS = [cls for _, cls in inspect.getmembers(types, inspect.isclass)
              if issubclass(cls, TypeDecorator) and cls.__module__ == types.__name__ and "impl" in cls.__dict__]


def _instance(cls: type[TypeDecorator[object]]) -> TypeDecorator[object]:
    params = inspect.signature(cls.__init__).parameters
    return cls("person.citizen_number") if "label" in params else cls()


def test_the_store_has_column_types_to_check() -> None:
    assert {cls.__name__ for cls in DECORATORS} >= {"UTCDateTime", "SealedText", "BlindIndex"}


@pytest.mark.parametrize("cls", DECORATORS, ids=lambda cls: cls.__name__)
def test_each_column_type_gives_a_cache_key(cls: type[TypeDecorator[object]]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        key = _instance(cls)._static_cache_key
    assert key is not NO_CACHE
