from assocdb.storage.sql import pg


def test_placeholders_are_numbered_in_order() -> None:
    assert pg("SELECT a FROM t WHERE x = ? AND y IN (?, ?)") == (
        "SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)"
    )


def test_question_marks_in_string_literals_are_kept() -> None:
    assert pg("SELECT '?' || name FROM t WHERE id = ?") == "SELECT '?' || name FROM t WHERE id = $1"


def test_a_statement_without_placeholders_is_unchanged() -> None:
    assert pg("SELECT 1") == "SELECT 1"
