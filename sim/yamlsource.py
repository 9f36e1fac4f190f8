"""Scenario text to raw data: YAML with the line of every key, and ``--set`` overrides.

What comes out is plain dicts and lists (and the lines they came from); :mod:`sim.schema`
checks and converts it. Every failure is a :class:`~sim.schema.ScenarioError` with a line.
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.distributions import short
from sim.schema import Context, Path, ScenarioError, dotted


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` whose impossible dates are YAML errors with a line, not ValueErrors."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"impossible date {node.value!r}: {exc}", node.start_mark
            ) from None

    def construct_yaml_int(self, node):
        # Python refuses to read integers of over 4,300 digits; say where the number is.
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            problem = f"a number of {len(node.value):,} characters is too long"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """``yaml.safe_load`` plus the line of every mapping key and sequence item."""
    lines: dict[Path, int] = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, lines
            # Lines first: construction flattens merge keys (<<) into the node tree.
            _record_lines(node, (), lines, set(), source, loader)
            return loader.construct_document(node), lines
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:  # a NUL or other control character
        line = text.count("\n", 0, exc.position) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise ScenarioError(
            f"{source}:{line}: YAML syntax error: character {char!r} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())
        kind = (
            "bad YAML value"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else ("YAML syntax error")
        )
        raise ScenarioError(f"{where}: {kind}: {problem}") from None
    except (ValueError, TypeError, RecursionError) as exc:  # e.g. a date 2025-13-01
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(f"{source}: cannot read YAML value: {short(str(exc))}") from None


def _key_name(key, loader) -> str:
    """A mapping key as the loaded mapping will have it (``~`` is None, ``yes`` is True)."""
    if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
        try:
            return str(loader.construct_object(key))
        except (yaml.YAMLError, ValueError, TypeError):
            loader.recursive_objects.pop(key, None)  # let construction report it, with a line
    return str(key.value)


def _record_lines(node, path: Path, lines: dict, seen: set, source: str, loader) -> None:
    # Aliased nodes are walked once: an alias bomb must not expand here.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        here: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            name = _key_name(key, loader)
            if name in here and name != "<<":
                raise ScenarioError(
                    f"{source}:{line}: {dotted((*path, name))}: duplicate key "
                    f"(first on line {here[name]})"
                )
            here[name] = line
            sub = (*path, name)
            lines.setdefault(sub, line)
            _record_lines(value, sub, lines, seen, source, loader)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.setdefault((*path, i), item.start_mark.line + 1)
            _record_lines(item, (*path, i), lines, seen, source, loader)


# --------------------------------------------------------------------------- overrides


def apply_overrides(raw: dict, overrides, ctx: Context) -> dict:
    """``raw`` with each ``KEY.PATH=VALUE`` applied (VALUE is YAML); the input is not changed.

    YAML anchors share nested mappings between keys. Each override copies the mappings and
    lists on its own path only, so it changes only that path, and an alias bomb elsewhere in
    the file is never expanded.
    """
    if not overrides:
        return raw
    raw = dict(raw)
    for item in overrides:
        _apply_override(raw, item, ctx)
    return raw


def _own(node, part):
    """``node[part]``, first replaced by a shallow copy if it is a mapping or a list."""
    child = node[part]
    if isinstance(child, dict | list):
        child = node[part] = child.copy()
    return child


def _apply_override(raw: dict, item: str, ctx: Context) -> None:
    """Set the value at a dotted KEY.PATH of ``raw``; list items are addressed by index."""
    key, sep, text = item.partition("=")
    where = f"{ctx.source}: {ctx.option}"
    if not sep or not key.strip():
        raise ScenarioError(f"{where} {item!r}: expected KEY.PATH=VALUE")
    try:
        value = yaml.load(text, Loader=_Loader)  # noqa: S506 (_Loader is a SafeLoader)
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        why = getattr(exc, "problem", None) or "not YAML"
        raise ScenarioError(f"{where} {key}: cannot parse value {short(text)}: {why}") from None
    parts: list[Any] = key.strip().split(".")
    node: Any = raw
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not (part.isdigit() and int(part) < len(node)):
                raise ScenarioError(f"{where} {key}: no item {part} in this list")
            parts[depth] = part = int(part)
        elif not isinstance(node, dict):
            raise ScenarioError(f"{where} {key}: cannot set a key inside a value")
        elif part not in node and not last:
            # Made by the override: errors below it are the override's, not the file's. A
            # number next means a list item, which an empty list does not have.
            node[part] = [] if parts[depth + 1].isdigit() else {}
            ctx.overridden.add(tuple(parts[: depth + 1]))
        if last:
            node[part] = value
        else:
            node = _own(node, part)
    ctx.overridden.add(tuple(parts))
