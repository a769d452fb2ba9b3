"""The one message a bad ``outlet.toml`` gets: the first problem, naming the file, the line and column
(TOML) or the ``[section] key`` (settings), and what is allowed. The messages go through ``_()`` when
they are made, so they are in the language set at the time.
"""

from __future__ import annotations

import re
import tomllib
import types
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic_core import ErrorDetails

from outlet_desk.config.schema import Only, show_value
from outlet_desk.config.settings import Settings
from outlet_desk.i18n import _

_TOML_WHERE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_END = re.compile(r"\s*\(at end of document\)$")


def toml_message(exc: tomllib.TOMLDecodeError, text: str, path: Path) -> str:
    problem = str(exc)
    if found := _TOML_WHERE.search(problem):
        line, column = int(found[1]), int(found[2])
        problem = problem[: found.start()]
    else:
        lines = text.split("\n")
        line, column = len(lines), len(lines[-1]) + 1
        problem = _TOML_END.sub("", problem)
    return _("{file}, line {line}, column {column}: {problem}").format(
        file=path, line=line, column=column, problem=problem
    )



class _Where:
    """Where a validation error points: the section path, the key in it, and the model holding it."""

    def __init__(self, loc: tuple[int | str, ...]) -> None:
        model: type[BaseModel] = Settings
        self.section: tuple[str, ...] = ()
        self.key: str | None = None
        self.in_list = False
        for part in loc:
            if isinstance(part, int):
                self.in_list = True
            elif self.key is None and (sub := _submodel(model, part)) is not None:
                self.section, model = (*self.section, part), sub
            elif self.key is None:
                self.key = part
        self.model = model

    @property
    def name(self) -> str:
        """``[section] key``; a section itself is ``[section]`` (a sub-table ``[section] table``)."""
        if self.key is not None:
            return f"[{'.'.join(self.section)}] {self.key}" if self.section else self.key
        if len(self.section) > 1:
            return f"[{'.'.join(self.section[:-1])}] {self.section[-1]}"
        return f"[{self.section[0]}]" if self.section else _("the file")

    def field_annotation(self) -> Any:
        field = self.model.model_fields.get(self.key or "")
        return field.annotation if field is not None else None

    def field_metadata(self) -> list[Any]:
        field = self.model.model_fields.get(self.key or "")
        return list(field.metadata) if field is not None else []


def _submodel(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    field = model.model_fields.get(name)
    annotation = field.annotation if field is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _literal_values(annotation: Any) -> tuple[Any, ...]:
    """The allowed words of a Literal or an enum of the vocabulary, also inside tuple[...], Optional[...] or
    Annotated[...]."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return tuple(member.value for member in annotation)
    if get_origin(annotation) in (tuple, Union, types.UnionType, Annotated):
        for arg in get_args(annotation):
            if values := _literal_values(arg):
                return values
    return ()


def _allowed_words(where: _Where) -> tuple[Any, ...]:
    """The words a field allows: those its :class:`Only` names, else its Literal's or enum's."""
    only = [item for item in where.field_metadata() if isinstance(item, Only)]
    return only[0].words if only else _literal_values(where.field_annotation())


def _bounds(where: _Where, error: ErrorDetails) -> tuple[Any, Any]:
    low: Any = None
    high: Any = None
    for item in where.field_metadata():
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low = item.gt
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high = item.lt
    ctx = error.get("ctx", {})
    low = low if low is not None else ctx.get("ge", ctx.get("gt"))
    high = high if high is not None else ctx.get("le", ctx.get("lt"))
    return low, high


def _listing(values: Iterable[Any]) -> str:
    return ", ".join(show_value(v) for v in values)


def error_message(error: ErrorDetails, path: Path) -> str:
    where = _Where(error["loc"])
    kind = error["type"]
    value = error["input"]
    name = where.name
    shown = show_value(value)
    if kind == "extra_forbidden":
        if not where.section:
            known = ", ".join(f"[{k}]" for k in Settings.model_fields)
            if not isinstance(value, Mapping):
                return _(
                    "{file}: {key} is outside any section; settings go under a section header, known: {known}"
                ).format(file=path, key=where.key, known=known)
            return _("{file}: [{key}] is not a known section; known: {known}").format(
                file=path, key=where.key, known=known
            )
        return _("{file}: {name} is not a known setting; known: {known}").format(
            file=path, name=name, known=", ".join(where.model.model_fields)
        )
    if kind == "missing":
        if where.key is None:
            required = [k for k, f in where.model.model_fields.items() if f.is_required()]
            return _("{file}: the {name} section is missing; it needs {keys}").format(
                file=path, name=name, keys=", ".join(required)
            )
        return _("{file}: {name} is missing; it is required").format(file=path, name=name)
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("{file}: {name} must be a table of settings, got {value}").format(file=path, name=name, value=shown)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("{file}: {name} must be a whole number, got {value}").format(file=path, name=name, value=shown)
    if kind in ("float_type", "float_parsing", "finite_number"):
        return _("{file}: {name} must be a number, got {value}").format(file=path, name=name, value=shown)
    if kind in ("bool_type", "bool_parsing"):
        return _("{file}: {name} must be true or false, got {value}").format(file=path, name=name, value=shown)
    if kind in ("string_type", "path_type"):
        return _("{file}: {name} must be text in quotes, got {value}").format(file=path, name=name, value=shown)
    if kind in ("tuple_type", "list_type"):
        allowed = _allowed_words(where)
        if allowed:
            return _("{file}: {name} must be a list in square brackets, got {value}; allowed items: {allowed}").format(
                file=path, name=name, value=shown, allowed=_listing(allowed)
            )
        return _("{file}: {name} must be a list in square brackets, got {value}").format(
            file=path, name=name, value=shown
        )
    if kind in ("literal_error", "enum"):
        words = _listing(_allowed_words(where))
        if where.in_list:
            return _("{file}: {name} contains {value}, which is not allowed; allowed: {allowed}").format(
                file=path, name=name, value=shown, allowed=words
            )
        return _("{file}: {name} = {value} is not allowed; allowed: {allowed}").format(
            file=path, name=name, value=shown, allowed=words
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = _bounds(where, error)
        if low is not None and high is not None:
            return _("{file}: {name} = {value} is out of range: allowed {low} to {high}").format(
                file=path, name=name, value=shown, low=show_value(low), high=show_value(high)
            )
        if low is not None:
            return _("{file}: {name} = {value} is out of range: allowed {low} or more").format(
                file=path, name=name, value=shown, low=show_value(low)
            )
        return _("{file}: {name} = {value} is out of range: allowed at most {high}").format(
            file=path, name=name, value=shown, high=show_value(high)
        )
    if kind == "too_short" and isinstance(value, list | tuple):
        return _("{file}: {name} must not be empty; allowed items: {allowed}").format(
            file=path, name=name, allowed=_listing(_allowed_words(where))
        )
    if kind == "string_too_short":
        return _("{file}: {name} must not be empty").format(file=path, name=name)
    if kind == "string_too_long":
        return _("{file}: {name} is too long: allowed at most {max} characters").format(
            file=path, name=name, max=error.get("ctx", {}).get("max_length")
        )
    if kind == "value_error":
        cause = error.get("ctx", {}).get("error")
        return _("{file}: {name} {problem}").format(file=path, name=name, problem=cause)
    return _("{file}: {name}: {problem}").format(file=path, name=name, problem=error["msg"])
