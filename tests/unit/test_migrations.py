"""The migration list: common files serve both dialects, and no version is defined twice."""

from __future__ import annotations

from assocdb.storage.migrations import migrations


def test_both_dialects_have_the_same_versions_in_order() -> None:
    sqlite = [(m.version, m.name) for m in migrations("sqlite")]
    postgres = [(m.version, m.name) for m in migrations("postgres")]
    assert sqlite == postgres
    assert [v for v, _ in sqlite] == sorted({v for v, _ in sqlite})


def test_a_common_migration_is_the_same_text_on_both_dialects() -> None:
    sqlite = {m.version: m.sql for m in migrations("sqlite")}
    postgres = {m.version: m.sql for m in migrations("postgres")}
    # 0004 (rate limits) is written once in common/: both dialects run the very same SQL.
    assert sqlite[4] == postgres[4]
    assert "rate" in sqlite[4].lower()
