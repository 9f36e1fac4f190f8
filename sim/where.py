"""``--where`` conditions: a boolean expression over table columns, parsed, never evaluated.

The text is parsed with :mod:`ast` and only a whitelist is accepted: comparisons (``==``,
``!=``, ``<``, ``<=``, ``>``, ``>=``, chained), ``and``, ``or``, ``not``, parentheses, column
names (dotted scenario keys too) and number or string constants. Anything else (calls,
arithmetic, subscripts, ...) is refused, so the text is never run as Python; the accepted tree is
evaluated on whole numpy columns at once. A comparison with a blank (NaN) cell is false.
"""

from __future__ import annotations

import ast
import operator

import numpy as np

from sim.scenario import ScenarioError

COMPARE = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
           ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}  # fmt: skip
ORDERED = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def condition(text: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The rows where ``text`` holds, as a boolean array.

    Raises:
        ScenarioError: the text is not a condition of the accepted form, or names an unknown
            column (the message lists the known ones).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ScenarioError(f"--where {text!r}: not a condition ({exc.msg})") from None
    n = len(next(iter(columns.values()))) if columns else 0
    result = _eval(tree.body, columns, text)
    if not isinstance(result, np.ndarray) or result.dtype != bool:
        raise ScenarioError(f"--where {text!r}: not a condition (compare a column with a value, "
                            "e.g. first_approacher == 'CN')")  # fmt: skip
    return np.broadcast_to(result, (n,)).copy()


def _eval(node, columns: dict, text: str):
    if isinstance(node, ast.BoolOp):
        parts = [_condition(v, columns, text) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for part in parts[1:]:
            out = combine(out, part)
        return out
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ~_condition(node.operand, columns, text)
    if isinstance(node, ast.Compare):
        out, left = None, _value(node.left, columns, text)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _value(right_node, columns, text)
            if type(op) not in COMPARE:
                raise ScenarioError(f"--where {text!r}: {type(op).__name__} is not a comparison "
                                    "this accepts (==, !=, <, <=, >, >=)")  # fmt: skip
            part = _compare(op, left, right, text)
            out = part if out is None else out & part
            left = right
        return out
    return _value(node, columns, text)


def _condition(node, columns, text):
    value = _eval(node, columns, text)
    if not (isinstance(value, np.ndarray) and value.dtype == bool):
        raise ScenarioError(f"--where {text!r}: and/or/not join comparisons, not values")
    return value


def _dotted(node) -> str | None:
    """``a.b.c`` as the text of a dotted column name (scenario keys); None if not one."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return None if head is None else f"{head}.{node.attr}"
    return None


def _value(node, columns: dict, text: str):
    name = _dotted(node)
    if name is not None:
        if name not in columns:
            raise ScenarioError(f"--where {text!r}: no column {name!r} (columns: "
                                f"{', '.join(columns)})")  # fmt: skip
        return columns[name]
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, str):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float)):  # fmt: skip
        return -node.operand.value
    raise ScenarioError(f"--where {text!r}: {ast.unparse(node)!r} is not a column name, a number "
                        "or a quoted string")  # fmt: skip


def _compare(op, left, right, text: str) -> np.ndarray:
    texts = [isinstance(v, str) or (isinstance(v, np.ndarray) and v.dtype.kind in "UO")
             for v in (left, right)]  # fmt: skip
    if texts[0] != texts[1]:
        raise ScenarioError(f"--where {text!r}: compares text with a number")
    if texts[0]:
        if isinstance(op, ORDERED):
            raise ScenarioError(f"--where {text!r}: text compares only with == or !=")
        left = left.astype(str) if isinstance(left, np.ndarray) else left
        right = right.astype(str) if isinstance(right, np.ndarray) else right
        return np.asarray(COMPARE[type(op)](left, right), dtype=bool)
    with np.errstate(invalid="ignore"):
        a = np.asarray(left, dtype=float)
        b = np.asarray(right, dtype=float)
        out = np.asarray(COMPARE[type(op)](a, b), dtype=bool)
    return out & ~np.isnan(a) & ~np.isnan(b)  # a blank cell satisfies no comparison
