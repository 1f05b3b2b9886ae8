"""``assocdb seed`` and ``assocdb export`` (JSON and CSV), and ``serve``'s harness flags."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assocdb.testing.server import free_port
from tests.harness.test_admin import SEED


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
    return subprocess.run(
        [sys.executable, "-m", "assocdb", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def shape(doc: dict[str, object]) -> object:
    """An export without its ids: what must survive a round trip."""
    objects = doc["objects"]
    assert isinstance(objects, dict)
    ids = {o["key"]: f"{t}#{i}" for t, objs in objects.items() for i, o in enumerate(objs)}
    associations = doc["associations"]
    assert isinstance(associations, list)
    return (
        doc["labels"],
        {t: [o["properties"] for o in objs] for t, objs in objects.items()},
        sorted(
            (a["fromObjectType"], ids[a["from"]], a["toObjectType"], ids[a["to"]], str(a["types"]))
            for a in associations
        ),
    )


def test_seed_json_then_export_csv_then_seed_csv(tmp_path: Path) -> None:
    db = str(tmp_path / "a.sqlite3")
    (tmp_path / "data.json").write_text(json.dumps(SEED))

    seeded = run("seed", "--db", db, "--portal", "5", "--file", "data.json", cwd=tmp_path)
    exported = run("export", "--db", db, "--portal", "5", "--file", "out.csv", cwd=tmp_path)
    files = [f"out.{kind}.csv" for kind in ("labels", "objects", "associations")]
    again = run(
        "seed",
        "--db",
        db,
        "--portal",
        "6",
        *[x for f in files for x in ("--file", f)],
        cwd=tmp_path,
    )
    run("export", "--db", db, "--portal", "5", "--file", "five.json", cwd=tmp_path)
    run("export", "--db", db, "--portal", "6", "--file", "six.json", cwd=tmp_path)

    assert seeded.returncode == 0, seeded.stderr
    assert re.search(
        r"Seeded portal 5 \(created\): 1 labels, 3 objects, 2 associations", seeded.stdout
    )
    assert exported.returncode == 0, exported.stderr
    header = (tmp_path / "out.associations.csv").read_text().splitlines()[0]
    assert header == "from_type,from_key,to_type,to_key,types"
    assert again.returncode == 0, again.stderr
    five = json.loads((tmp_path / "five.json").read_text())
    six = json.loads((tmp_path / "six.json").read_text())
    assert shape(five) == shape(six)
    assert len(six["associations"]) == 2


def test_seed_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("what,is,this\n1,2,3\n")
    (tmp_path / "edges.csv").write_text(
        "from_type,from_key,to_type,to_key,types\ncontacts,nobody,companies,acme,\n"
    )
    db = str(tmp_path / "b.sqlite3")
    unknown = run("seed", "--db", db, "--portal", "5", "--file", "bad.csv", cwd=tmp_path)
    dangling = run("seed", "--db", db, "--portal", "5", "--file", "edges.csv", cwd=tmp_path)

    assert unknown.returncode == 1
    assert "unknown CSV header" in unknown.stderr
    assert dangling.returncode == 1
    assert "unknown contact key 'nobody'" in dangling.stderr
    assert len(dangling.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_serve_admin_prints_a_token_and_applies_fault_flags(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSOCDB_")}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assocdb", "serve", "--db", str(tmp_path / "s.sqlite3"),
         "--port", str(port), "--admin", "--fault", "503;route=/crm/v3/*;every=2"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.1)
        printed = re.search(r"admin token: (\S+)", (tmp_path / "serve.log").read_text())
        assert printed
        admin = {"Authorization": f"Bearer {printed.group(1)}"}
        made = httpx.post(base + "/_assocdb/portals", json={}, headers=admin).json()
        user = {"Authorization": f"Bearer {made['token']}"}
        codes = [
            httpx.get(base + "/crm/v3/objects/contacts", headers=user).status_code for _ in range(4)
        ]
        assert codes == [200, 503, 200, 503]
        logged = _json_lines(tmp_path / "serve.log", len(codes))
        assert [r["status"] for r in logged] == codes  # JSON lines: the log is not a TTY
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


LOG_WAIT_S = 10.0


def _json_lines(path: Path, count: int) -> list[dict[str, object]]:
    """The log's JSON lines once there are ``count`` of them (bounded wait): a request's
    line is written after its response is sent, so the last one may still be on its way."""
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        lines = [json.loads(x) for x in path.read_text().splitlines() if x.startswith("{")]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)
