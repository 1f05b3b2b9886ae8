"""A search plan (domain/search.py) as one SQL statement, for both drivers.

Every filter becomes ``o.object_id [NOT] IN (subquery on the index)``: each subquery is a
range scan of one index (``search_values_key`` / ``_num`` for values, the association
primary key for ``associations.*``, FTS5 or a GIN tsvector index for tokens), so a
selective filter costs the size of its answer, not of the portal. Sorting by id or by a
record date walks the ``objects`` indexes (migration 0011) and pages by keyset.

Statements use ``?`` placeholders; ``sql.pg`` renumbers them for asyncpg.
"""

from __future__ import annotations

import re
from typing import Literal

from assocdb.domain.search import Condition, SearchPlan, SortKey

__all__ = ["Dialect", "count_query", "rows_query"]

Dialect = Literal["sqlite", "postgres"]

_COLUMNS = {"id": "o.object_id", "created": "o.created_at_ms", "updated": "o.updated_at_ms"}
_COMPARE = {"EQ": "=", "NEQ": "=", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
_VALUES = "SELECT v.object_id FROM search_values v WHERE v.portal_id = ? AND v.object_type = ?"
# Null sort values go last in either direction [inferred: HubSpot's order of records
# without the sorted property is not documented].
_LAST_NUM = {False: 1e300, True: -1e300}
_LAST_KEY = {False: "\uffff", True: ""}


class _Sql:
    def __init__(self, plan: SearchPlan, dialect: Dialect) -> None:
        self.plan = plan
        self.dialect = dialect
        self.params: list[object] = []

    def p(self, *values: object) -> str:
        self.params.extend(values)
        return ", ".join("?" * len(values))

    # -- conditions ---------------------------------------------------------------------

    def condition(self, c: Condition) -> str:
        if c.target in _COLUMNS:
            return self._column(c, _COLUMNS[c.target])
        if c.target == "assoc":
            return self._association(c)
        if c.target == "token":
            return self._token(c)
        return self._value(c)

    def _column(self, c: Condition, column: str) -> str:
        if c.operator == "HAS_PROPERTY":
            return "1 = 1"
        if c.operator == "NOT_HAS_PROPERTY":
            return "1 = 0"
        if c.operator in ("IN", "NOT_IN"):
            neg = "NOT " if c.operator == "NOT_IN" else ""
            return f"{column} {neg}IN ({self.p(*c.values)})"
        if c.operator == "BETWEEN":
            return f"{column} BETWEEN ? AND ?" if self.p(*c.values) else ""
        if c.operator == "NEQ":
            return f"{column} <> {self.p(c.values[0])}"
        return f"{column} {_COMPARE[c.operator]} {self.p(c.values[0])}"

    def _association(self, c: Condition) -> str:
        """Edges are stored both ways: the other record's edges to this type are one range
        of the associations primary key."""
        portal = self.p(self.plan.portal_id)
        other = self.p(c.name)
        ids = self.p(*c.values)
        this = self.p(self.plan.object_type)
        return (
            f"o.object_id IN (SELECT a.to_id FROM associations a WHERE a.portal_id = {portal}"
            f" AND a.from_type = {other} AND a.from_id IN ({ids}) AND a.to_type = {this})"
        )

    def _scope(self, name: str) -> str:
        self.p(self.plan.portal_id, self.plan.object_type, name)
        return _VALUES + " AND v.name = ?"

    def _value(self, c: Condition) -> str:
        op = c.operator
        negative = op in ("NEQ", "NOT_IN", "NOT_HAS_PROPERTY")
        scope = self._scope(c.name)
        column = "v.value_num" if c.column == "num" else "v.value_key"
        if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            test = ""
        elif c.multi and op in ("EQ", "NEQ", "IN", "NOT_IN"):
            # Checkbox enumerations hold "a;b;c": a value matches any one of them.
            tests = [
                "(';' || v.value_key || ';') LIKE "
                + self.p(f"%;{_like(str(v))};%")
                + " ESCAPE '\\'"
                for v in c.values
            ]
            test = " AND (" + " OR ".join(tests) + ")"
        elif op in ("IN", "NOT_IN"):
            test = f" AND {column} IN ({self.p(*c.values)})"
        elif op == "BETWEEN":
            test = f" AND {column} BETWEEN {self.p(c.values[0])} AND {self.p(c.values[1])}"
        else:
            test = f" AND {column} {_COMPARE[op]} {self.p(c.values[0])}"
        return f"o.object_id {'NOT ' if negative else ''}IN ({scope}{test})"

    def _token(self, c: Condition) -> str:
        negative = c.operator == "NOT_CONTAINS_TOKEN"
        inner = self.token_subquery(str(c.values[0]), (c.name,))
        return f"o.object_id {'NOT ' if negative else ''}IN ({inner})"

    def token_subquery(self, text: str, names: tuple[str, ...]) -> str:
        """Records whose value of one of ``names`` holds the token(s) of ``text``.

        ``*`` is HubSpot's wildcard: a trailing one is a prefix (served by the text
        index); a leading one ("*@example.com") has no index to use and becomes a
        substring test on the properties' values [documented in docs/search.md].
        """
        portal, kind = self.plan.portal_id, self.plan.object_type
        marks = ", ".join("?" * len(names))
        words = _words(text)
        if text.startswith("*") or not words:
            core = text.strip("*").lower()
            self.p(portal, kind, *names, f"%{_like(core)}%")
            return f"{_VALUES} AND v.name IN ({marks}) AND v.value_key LIKE ? ESCAPE '\\'"
        prefix = text.endswith("*")
        if self.dialect == "sqlite":
            phrase = '"' + " ".join(words) + '"' + ("*" if prefix else "")
            self.p(phrase, portal, kind, *names)
            return (
                # CROSS JOIN keeps SQLite from walking every value of the property and
                # probing the text index per row: the index's matches drive the join.
                "SELECT v.object_id FROM search_fts f CROSS JOIN search_values v"
                " ON v.rowid = f.rowid"
                f" WHERE search_fts MATCH ? AND v.portal_id = ? AND v.object_type = ?"
                f" AND v.name IN ({marks})"
            )
        query = " <-> ".join(words) + (":*" if prefix else "")
        self.p(portal, kind, *names, query)
        return (
            f"{_VALUES} AND v.name IN ({marks})"
            " AND to_tsvector('simple', regexp_replace(v.value, '[^[:alnum:]]+', ' ', 'g'))"
            " @@ to_tsquery('simple', ?)"
        )

    def query_text(self) -> str:
        """``query``: every word, as a prefix, in one of the type's searchable properties
        (a record matches when each word is found in some searchable property)."""
        parts = []
        for word in self.plan.query_tokens:
            inner = self.token_subquery(word + "*", self.plan.query_properties)
            parts.append(f"o.object_id IN ({inner})")
        return " AND ".join(parts)

    # -- the statement ------------------------------------------------------------------

    def where(self) -> str:
        parts = [f"o.portal_id = {self.p(self.plan.portal_id)}"]
        parts.append(f"o.object_type = {self.p(self.plan.object_type)}")
        if self.plan.groups:
            ors = [
                "(" + " AND ".join(self.condition(c) for c in group) + ")"
                for group in self.plan.groups
            ]
            parts.append("(" + " OR ".join(ors) + ")")
        if self.plan.query_tokens:
            parts.append(self.query_text())
        if self.plan.visible_before_ms is not None:
            parts.append(f"o.updated_at_ms <= {self.p(self.plan.visible_before_ms)}")
        return " AND ".join(parts)


def _words(text: str) -> list[str]:
    """Words as both text indexes cut them: runs of letters and digits ("_" and "@"
    separate), lower-cased."""
    return re.findall(r"[^\W_]+", text.lower())


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sort_expression(sort: SortKey) -> str:
    if sort.target in _COLUMNS:
        return _COLUMNS[sort.target]
    if sort.column == "num":
        return f"COALESCE(s.value_num, {_LAST_NUM[sort.descending]!r})"
    return f"COALESCE(s.value_key, '{_LAST_KEY[sort.descending]}')"


def rows_query(plan: SearchPlan, dialect: Dialect) -> tuple[str, list[object]]:
    """(object_id, sort value) of the plan's page, in order, keyset after ``plan.after``."""
    sql = _Sql(plan, dialect)
    sort = plan.sort
    join = ""
    if sort.target == "value":
        join = (
            " LEFT JOIN search_values s ON s.portal_id = o.portal_id"
            " AND s.object_type = o.object_type AND s.object_id = o.object_id"
            f" AND s.name = {sql.p(sort.name)}"
        )
    key = _sort_expression(sort)
    where = sql.where()
    direction = "DESC" if sort.descending else "ASC"
    if plan.after is not None:
        op = "<" if sort.descending else ">"
        if sort.target == "id":
            where += f" AND o.object_id {op} {sql.p(plan.after.last_id)}"
        else:
            where += (
                f" AND ({key} {op} {sql.p(plan.after.sort_value)}"
                f" OR ({key} = {sql.p(plan.after.sort_value)}"
                f" AND o.object_id {op} {sql.p(plan.after.last_id)}))"
            )
    order = f"{key} {direction}, o.object_id {direction}"
    text = f"SELECT o.object_id, {key} FROM objects o{join} WHERE {where} ORDER BY {order}"
    text += f" LIMIT {sql.p(plan.limit)}"
    if plan.after is None and plan.offset:
        text += f" OFFSET {sql.p(plan.offset)}"
    return text, sql.params


def count_query(plan: SearchPlan, dialect: Dialect) -> tuple[str, list[object]]:
    sql = _Sql(plan, dialect)
    return f"SELECT COUNT(*) FROM objects o WHERE {sql.where()}", sql.params
