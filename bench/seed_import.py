"""Bulk seed import: how fast ``assocdb seed`` loads associations.

    python bench/seed_import.py                 # 1,000,000 associations into SQLite
    python bench/seed_import.py --associations 100000 --db postgresql://postgres@127.0.0.1/test

Generates CSV files once under ``bench/.data/`` (``type,key,…`` objects and
``from_type,from_key,to_type,to_key,types`` associations: 100,000 contacts, 10,000
companies, each contact associated with 10 companies, one of them Primary), then runs the
real ``assocdb seed`` command on a fresh database and prints associations per second.
The time includes reading and validating the CSV files, creating the records, and writing
every association in both directions.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

DATA = Path(__file__).parent / ".data"


def generate(associations: int, seed: int = 42) -> tuple[Path, Path]:
    contacts = max(1, associations // 10)
    companies = max(10, contacts // 10)
    stem = DATA / f"seed-a{associations}-s{seed}"
    objects, edges = Path(f"{stem}.objects.csv"), Path(f"{stem}.associations.csv")
    if objects.exists() and edges.exists():
        return objects, edges
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    with objects.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["type", "key", "name", "email"])
        writer.writerows(("companies", f"co{i}", f"Company {i}", "") for i in range(companies))
        writer.writerows(
            ("contacts", f"c{i}", f"Person {i}", f"p{i}@example.com") for i in range(contacts)
        )
    with edges.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["from_type", "from_key", "to_type", "to_key", "types"])
        written = 0
        for i in range(contacts):
            picks = rng.sample(range(companies), min(10, associations - written))
            for n, company in enumerate(picks):
                writer.writerow(
                    ("contacts", f"c{i}", "companies", f"co{company}", "1" if n == 0 else "")
                )
            written += len(picks)
            if written >= associations:
                break
    return objects, edges


async def _drop(dsn: str, schema: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--associations", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="default: a fresh SQLite file")
    args = parser.parse_args()
    objects, edges = generate(args.associations)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or str(Path(tmp) / "seed.sqlite3")
        schema = None
        if db.startswith("postgres"):
            schema = f"bench_seed_{uuid.uuid4().hex[:8]}"
            db += f"{'&' if '?' in db else '?'}schema={schema}"
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "assocdb",
                "seed",
                "--db",
                db,
                "--portal",
                "1",
                "--file",
                str(objects),
                "--file",
                str(edges),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if schema is not None:
            asyncio.run(_drop(args.db, schema))
        if done.returncode:
            sys.exit(done.stderr)
        print(done.stdout.strip().splitlines()[-1])
        print(
            f"{args.associations:,} associations (both directions: {2 * args.associations:,} rows)"
            f" in {elapsed:.1f} s wall, process start included: "
            f"{args.associations / elapsed:,.0f} associations/s"
        )


if __name__ == "__main__":
    main()
