"""YAML loading that remembers the line of every key, so errors can point the instructor at the right line."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from generator.errors import TemplateError, closest, combined, suggest


class Located(dict):  # type: ignore[type-arg]
    """A YAML mapping that knows its file, its own line and the line of each key."""

    path: str
    line: int
    lines: dict[str, int]

    def where(self, key: str | None = None) -> str:
        """'file:line' of a key (or of the mapping itself)."""
        return f"{self.path}:{self.lines.get(key, self.line) if key is not None else self.line}"

    def error(self, key: str | None, message: str) -> TemplateError:
        """A TemplateError located at a key of this mapping."""
        return TemplateError(self.where(key), message)


class LocatedList(list):  # type: ignore[type-arg]
    """A YAML sequence that knows the line of each item."""

    path: str
    line: int
    lines: list[int]

    def where(self, index: int) -> str:
        """'file:line' of one item."""
        return f"{self.path}:{self.lines[index] if index < len(self.lines) else self.line}"


def _loader_for(path: str) -> type[yaml.SafeLoader]:
    """A SafeLoader subclass that builds Located containers tagged with this file's name."""

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Located:
        loader.flatten_mapping(node)
        result = Located()
        result.path, result.line, result.lines = path, node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise TemplateError(f"{path}:{line}", f"keys must be text, got {key!r}")
            if key in result:
                raise TemplateError(f"{path}:{line}", f"duplicate key {key!r} (first on line {result.lines[key]})")
            result[key] = loader.construct_object(value_node, deep=True)
            result.lines[key] = line
        return result

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LocatedList:
        result = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
        result.path, result.line = path, node.start_mark.line + 1
        result.lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
        return str(loader.construct_scalar(node))  # dates stay text: "2025-03-14", never a datetime

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    return Loader


def load_yaml(path: str | Path) -> Located:
    """Read one YAML file whose top level is a mapping; syntax errors become `file:line: ...`."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(name, f"cannot read: {error.strerror or error}") from None
    try:
        data = yaml.load(text, Loader=_loader_for(name))  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = error.problem or error.context or "invalid YAML"
        raise TemplateError(f"{name}{line}", f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as error:
        raise TemplateError(name, f"YAML error: {error}") from None
    if not isinstance(data, Located):
        raise TemplateError(f"{name}:1", "the file must hold a mapping of keys (key: value), not "
                                         f"{type(data).__name__ if data is not None else 'nothing'}")
    return data


def check_keys(data: Located, required: Iterable[str], optional: Iterable[str], what: str,
               needed_by: Mapping[str, str] | None = None) -> None:
    """Reject missing and misspelt keys, naming the closest valid key; every one of them at once. `needed_by` says
    who needs a required key ("kind 'concept'") where it is not the file's kind of thing itself."""
    required, optional = tuple(required), tuple(optional)
    valid = set(required) | set(optional)
    unknown = [key for key in data if key not in valid]
    errors = [data.error(key, f"unknown key {key!r} in {what}{suggest(key, valid)}; "
                              f"valid keys: {', '.join(sorted(valid))}") for key in unknown]
    meant = {closest(key, valid) for key in unknown}  # a misspelt key's error already names the missing one
    errors += [data.error(None, f"missing key {key!r}: {needed_by[key]} needs it" if key in (needed_by or {}) else
                          f"missing key {key!r} in {what}") for key in required if key not in data and key not in meant]
    if errors:
        raise combined(errors)


def item_locations(data: Located, keys: Iterable[str]) -> dict[str, str]:
    """'file:line' of each entry of these keys' lists, as 'layers[0]', so an error about one entry names its line."""
    return {f"{key}[{index}]": items.where(index) for key in keys if isinstance(items := data.get(key), LocatedList)
            for index in range(len(items))}


def _json_plain(value: Any) -> Any:
    """Located containers to plain dicts and lists (for JSON and equality)."""
    if isinstance(value, dict):
        return {k: _json_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


plain = _json_plain
