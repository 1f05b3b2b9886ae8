"""One version everywhere, the licence in the wheel, and the README's pytest-plugin example
run from a freshly built wheel in a fresh virtual environment."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import assocdb
from assocdb.config import Settings
from assocdb.http.app import create_app

RunCli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
README_EXAMPLE = re.compile(r"<!-- example: pytest-plugin[^>]*-->\s*```python\n(.*?)```", re.DOTALL)


def test_one_version_for_cli_package_and_openapi(run_cli: RunCli, tmp_path: Path) -> None:
    version = assocdb.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert importlib.metadata.version("assocdb") == version
    assert run_cli("--version").stdout == f"assocdb, version {version}\n"
    with TestClient(create_app(Settings(db=str(tmp_path / "v.sqlite3")))) as client:
        assert client.get("/openapi.json").json()["info"]["version"] == version
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()


def test_license_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text
    assert "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text


def _run(*args: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_built_wheel_passes_the_readme_plugin_example(tmp_path: Path) -> None:
    """``python -m build`` (``build`` is in the dev extra), then a fresh venv with the wheel
    and its ``testing`` extra, then the README's example under pytest. Dependencies come from
    the package index (or pip's cache)."""
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=tmp_path,
         timeout=600)  # fmt: skip
    wheels = list(dist.glob("assocdb-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", f"{wheels[0]}[testing]", cwd=tmp_path,
         timeout=900)  # fmt: skip
    example = README_EXAMPLE.search((ROOT / "README.md").read_text())
    assert example, "the README's pytest-plugin example is missing"
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_my_integration.py").write_text(example.group(1))
    done = _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project, timeout=600)
    assert re.search(r"\b4 passed\b", done.stdout), done.stdout
    # The installed package is the wheel, not this checkout.
    where = _run(python, "-c", "import assocdb; print(assocdb.__file__)", cwd=project, timeout=60)
    assert str(ROOT) not in where.stdout
