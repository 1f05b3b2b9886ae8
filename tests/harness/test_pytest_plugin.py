"""The pytest plugin (assocdb.testing.pytest_plugin), run the way a user runs it: the
README's example test file in a separate pytest process, in both server modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- example: pytest-plugin.*?-->\n```python\n(.*?)```", text, re.S)
    assert match, "the README lost its pytest plugin example"
    return match.group(1)


@pytest.mark.parametrize("mode", ["thread", "subprocess"])
def test_the_readme_example_passes(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makepyfile(test_my_integration=readme_example())
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--assocdb-mode={mode}", timeout=120
    )
    result.assert_outcomes(passed=4)


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request

        def count(portal):
            return len(portal.export()["objects"].get("contacts", []))

        def test_a(assocdb_portal):
            ids = assocdb_portal.seed({"objects": {"contacts": [{"key": "x"}, {"key": "y"}]}})
            assert ids["contacts"] == {"x": "10000000001", "y": "10000000002"}
            assocdb_portal.server.fault("503")

        def test_b(assocdb_portal, assocdb_token, assocdb_server):
            assert count(assocdb_portal) == 0
            assert assocdb_portal.server.faults() == []
            # ids start over after the reset
            ids = assocdb_portal.seed({"objects": {"contacts": [{"key": "z"}]}})
            assert ids["contacts"] == {"z": "10000000001"}
            request = urllib.request.Request(
                assocdb_server.base_url + "/crm/v3/objects/contacts",
                headers={"Authorization": "Bearer " + assocdb_token},
            )
            assert urllib.request.urlopen(request).status == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--assocdb-mode=thread")
    result.assert_outcomes(passed=2)


def test_fixtures_are_lazy_and_hubspot_client_skips_without_the_client(
    pytester: pytest.Pytester,
) -> None:
    """A test that uses no assocdb fixture never starts a server, and ``hubspot_client``
    skips, saying what to install, before starting one."""
    pytester.makeconftest(
        """
        import sys

        import assocdb.testing.server as server

        def boom(*args, **kwargs):
            raise AssertionError("a server was started")

        server.run_server = boom
        sys.modules["hubspot"] = None  # as if hubspot-api-client were not installed
        """
    )
    pytester.makepyfile(
        "def test_plain():\n    assert 1 + 1 == 2\n\n\ndef test_client(hubspot_client):\n    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*pip install hubspot-api-client*"])
