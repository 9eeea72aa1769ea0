"""Hypothesis strategies: JSON-ish values and mutations of recorded platform payloads."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

__all__ = ["json_values", "mutated"]

Path = tuple[str | int, ...]

# Scalars a platform or an attacker could put anywhere: wrong types, huge and odd numbers,
# hostile text.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "0", "-1", "nan", "1e400", "<@U1>", "<!channel>", "9" * 30, "\x00", "💥"]),
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: Path = ()) -> list[Path]:
    found: list[Path] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _apply(payload: Any, path: Path, op: str, value: Any) -> None:
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if op == "delete":
        del parent[last]
    else:
        parent[last] = value


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any], *, max_mutations: int = 4) -> dict[str, Any]:
    """``payload`` with up to ``max_mutations`` fields deleted or replaced by any JSON value."""
    result = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        paths = _paths(result)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "replace"]))
        _apply(result, path, op, draw(json_values) if op == "replace" else None)
    return result
