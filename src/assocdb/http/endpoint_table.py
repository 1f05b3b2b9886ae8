"""The endpoint table of docs/compatibility.md, generated from the route table.

    python -m assocdb.http.endpoint_table                 # print it
    python -m assocdb.http.endpoint_table --write docs/compatibility.md

The table sits between the ``BEGIN``/``END`` markers below; tests/api/test_route_coverage.py
fails when the file and the route table disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from assocdb.http.operation import Operation
from assocdb.http.routes import API_FAMILIES, OPERATIONS, ApiFamily
from assocdb.http.scopes import CRM_OBJECT_SCOPES, AnyScope, ScopeRule

__all__ = ["BEGIN", "END", "endpoint_table", "replace_table"]

BEGIN = (
    "<!-- BEGIN endpoint table: generated from src/assocdb/http/routes.py by"
    " `python -m assocdb.http.endpoint_table --write docs/compatibility.md` -->"
)
END = "<!-- END endpoint table -->"


def _scopes(rules: Sequence[ScopeRule]) -> str:
    if not rules:
        return "none (no token)"
    parts = []
    for rule in rules:
        if isinstance(rule, AnyScope):
            parts.append(
                "any CRM object scope"
                if rule.scopes == CRM_OBJECT_SCOPES
                else "one of " + ", ".join(f"`{s}`" for s in rule.scopes)
            )
        else:
            parts.append(f"{rule.access} of `{{{rule.param}}}`")
    return " and ".join(parts)


def _success(op: Operation, dated: Operation | None) -> str:
    codes = ", ".join(str(c) for c in op.responses)
    if dated is not None and dict(dated.responses) != dict(op.responses):
        codes += f" (2026-03: {', '.join(str(c) for c in dated.responses)})"
    return codes


def _row(op: Operation, dated: Operation | None) -> str:
    limit = f"{op.batch_limit:,}" if op.batch_limit is not None else "—"
    cells = (op.summary, f"`{op.method} {op.path}`", _scopes(op.required_scopes), limit)
    return "| " + " | ".join((*cells, _success(op, dated))) + " |"


def _forms(family: ApiFamily) -> str:
    return "; ".join(
        f"{form.name}: {', '.join(f'`{p}`' for p in form.prefixes.values())}"
        for form in family.forms
    )


def _family(family: ApiFamily) -> list[str]:
    served = family.served()
    count = len(family.operations)
    dated_at = next((i for i, form in enumerate(family.forms) if form.dated), None)
    dated = served[dated_at * count : (dated_at + 1) * count] if dated_at is not None else ()
    return [
        f"### {family.title}",
        "",
        f"Served under: {_forms(family)}.",
        "",
        "| Operation | Method and path | Scopes (one of each) | Batch limit | Success |",
        "|---|---|---|---|---|",
        *(_row(op, dated[i] if dated else None) for i, op in enumerate(served[:count])),
        "",
    ]


def endpoint_table() -> str:
    """The markdown between (and including) the markers."""
    lines = [BEGIN, ""]
    for family in API_FAMILIES:
        lines += _family(family)
    in_families = _ids(API_FAMILIES)
    others = [op for op in OPERATIONS if op.operation_id not in in_families]
    lines += [
        "### Other operations",
        "",
        "| Operation | Method and path | Scopes (one of each) | Batch limit | Success |",
        "|---|---|---|---|---|",
        *(_row(op, None) for op in others),
        "",
        END,
    ]
    return "\n".join(lines)


def _ids(families: Sequence[ApiFamily]) -> set[str]:
    return {op.operation_id for family in families for op in family.served()}


def replace_table(text: str, table: str) -> str:
    """``text`` with the part between the markers replaced by ``table``."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + table + text[end:]


def main(argv: Sequence[str]) -> int:
    table = endpoint_table()
    if len(argv) == 2 and argv[0] == "--write":
        path = Path(argv[1])
        path.write_text(replace_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
