"""Build an argparse parser from an options dataclass whose fields carry help text."""

from __future__ import annotations

import argparse
import dataclasses
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def add_dataclass_arguments(parser: argparse.ArgumentParser, options_cls: type) -> None:
    """One ``--flag`` per field; ``help`` comes from ``field(metadata={"help": ...})``."""
    hints = get_type_hints(options_cls)
    for f in dataclasses.fields(options_cls):
        flag = "--" + f.name.replace("_", "-")
        kind = hints[f.name]
        default = _default_of(f)
        help_text = f.metadata.get("help", "")
        if kind is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=default, help=help_text
            )
            continue
        base, many = _element_type(kind)
        kwargs: dict[str, Any] = {"default": default, "help": f"{help_text} (default: {default})"}
        if many:
            kwargs["nargs"] = "*"
        parser.add_argument(flag, type=base, **kwargs)


def options_from_namespace(options_cls: type[T], namespace: argparse.Namespace) -> T:
    values = {f.name: getattr(namespace, f.name) for f in dataclasses.fields(options_cls)}  # type: ignore[arg-type]
    hints = get_type_hints(options_cls)
    for name, value in values.items():
        if _element_type(hints[name])[1] and value is not None:
            values[name] = tuple(value)
    return options_cls(**values)


def parse_options(options_cls: type[T], argv: Sequence[str] | None, description: str) -> T:
    parser = argparse.ArgumentParser(description=description)
    add_dataclass_arguments(parser, options_cls)
    return options_from_namespace(options_cls, parser.parse_args(argv))


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _element_type(kind: Any) -> tuple[Any, bool]:
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(kind) if a is not type(None)]
        return _element_type(inner[0])
    if origin in (tuple, list):
        return get_args(kind)[0], True
    if kind is Path:
        return Path, False
    return kind, False
