"""A write/read workload against a live server whose every acknowledged answer is logged,
and the check of the store against that log. Shared by the crash, load and shutdown tests
and by ``bench/reliability.py``.

Each client owns a disjoint set of companies, so its requests apply in the order it sends
them and its expected state (a set of (company, contact) pairs) is exact. A request that
never got an answer (the server was killed) may have been applied wholly or not at all;
:func:`verify` accepts exactly those two outcomes for it and nothing in between.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import httpx

CREATE = "/crm/v4/associations/companies/contacts/batch/associate/default"
ARCHIVE = "/crm/v4/associations/companies/contacts/batch/archive"
READ = "/crm/v4/associations/{}/{}/batch/read"
Pair = tuple[int, int]


def name_property(object_type: str) -> str:
    """A HubSpot default property that names a record of the type (contacts have no
    ``name``; an unknown property is HubSpot's 400)."""
    names = {"contacts": "firstname", "deals": "dealname", "tickets": "subject"}
    return names.get(object_type, "name")


def create_objects(base_url: str, token: str, object_type: str, count: int) -> list[int]:
    ids: list[int] = []
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while len(ids) < count:
            n = min(100, count - len(ids))
            response = client.post(
                f"/crm/v3/objects/{object_type}/batch/create",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "inputs": [
                        {"properties": {name_property(object_type): f"{object_type} {i}"}}
                        for i in range(n)
                    ]
                },
            )
            assert response.status_code in (200, 201), response.text
            ids.extend(int(r["id"]) for r in response.json()["results"])
    return ids


@dataclass
class ClientLog:
    """What one client sent and what the server acknowledged."""

    companies: list[int]
    expected: set[Pair] = field(default_factory=set)
    in_flight: tuple[str, list[Pair]] | None = None
    acknowledged: int = 0
    pairs_written: int = 0
    reads: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


def read_pairs(
    client: httpx.Client, token: str, from_type: str, to_type: str, ids: Sequence[int]
) -> tuple[set[Pair], list[str]]:
    """(from, to) pairs of every id, following paging; problems (duplicates) as texts."""
    found: set[Pair] = set()
    problems: list[str] = []
    pending: list[dict[str, str]] = [{"id": str(i)} for i in ids]
    while pending:
        response = client.post(
            READ.format(from_type, to_type),
            headers={"Authorization": f"Bearer {token}"},
            json={"inputs": pending[:1000]},
        )
        pending = pending[1000:]
        if response.status_code not in (200, 207):
            problems.append(f"read {response.status_code}: {response.text[:200]}")
            continue
        for result in response.json()["results"]:
            source = int(result["from"]["id"])
            for item in result["to"]:
                pair = (source, int(item["toObjectId"]))
                if pair in found:
                    problems.append(f"duplicate {pair}")
                found.add(pair)
            if result.get("paging"):
                pending.append({"id": str(source), "after": result["paging"]["next"]["after"]})
    return found, problems


def run_client(
    base_url: str,
    token: str,
    log: ClientLog,
    contacts: Sequence[int],
    stop: threading.Event,
    seed: int,
    *,
    read_share: float = 0.0,
    check_reads: bool = False,
    max_requests: int | None = None,
) -> None:
    """Send creates, archives (and reads) until ``stop``; record every acknowledged one.

    A connection failure ends the client: the server is gone, the request is in flight.
    """
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    sent = 0
    with httpx.Client(base_url=base_url, timeout=60) as client:
        while not stop.is_set() and (max_requests is None or sent < max_requests):
            sent += 1
            if rng.random() < read_share:
                started = time.perf_counter()
                try:
                    seen, problems = read_pairs(
                        client, token, "companies", "contacts", log.companies
                    )
                except httpx.HTTPError as exc:
                    log.errors.append(f"read failed: {exc!r}")
                    return
                log.latencies_ms.append((time.perf_counter() - started) * 1000)
                log.reads += 1
                log.errors.extend(problems)
                if check_reads and seen != log.expected:
                    log.errors.append(
                        f"read-your-writes: missing {sorted(log.expected - seen)[:5]},"
                        f" extra {sorted(seen - log.expected)[:5]}"
                    )
                continue
            pairs = sorted(
                {
                    (rng.choice(log.companies), rng.choice(contacts))
                    for _ in range(rng.randint(1, 12))
                }
            )
            kind = "create" if rng.random() < 0.6 else "archive"
            if kind == "create":
                path = CREATE
                body: object = {
                    "inputs": [{"from": {"id": str(f)}, "to": {"id": str(t)}} for f, t in pairs]
                }
            else:
                path = ARCHIVE
                by_from: dict[int, list[int]] = {}
                for f, t in pairs:
                    by_from.setdefault(f, []).append(t)
                body = {
                    "inputs": [
                        {"from": {"id": str(f)}, "to": [{"id": str(t)} for t in ts]}
                        for f, ts in by_from.items()
                    ]
                }
            log.in_flight = (kind, pairs)
            started = time.perf_counter()
            try:
                response = client.post(path, headers=headers, json=body)
            except httpx.HTTPError:
                return  # killed: this request stays in flight
            log.latencies_ms.append((time.perf_counter() - started) * 1000)
            log.statuses[response.status_code] = log.statuses.get(response.status_code, 0) + 1
            ok = (kind == "create" and response.status_code == 200) or (
                kind == "archive" and response.status_code == 204
            )
            if not ok:
                log.errors.append(f"{kind} {response.status_code}: {response.text[:300]}")
                log.in_flight = None
                continue
            if kind == "create":
                log.expected.update(pairs)
            else:
                log.expected.difference_update(pairs)
            log.in_flight = None
            log.acknowledged += 1
            log.pairs_written += len(pairs)


def verify(
    base_url: str, token: str, logs: Iterable[ClientLog], contacts: Sequence[int]
) -> list[str]:
    """Problems found: lost or extra pairs, half-applied requests, missing inverses.

    A client's request cut off in flight is settled (its log updated to what the store
    holds) when the outcome is one of the two allowed ones."""
    logs = list(logs)
    companies = [c for log in logs for c in log.companies]
    problems: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        forward, dup_f = read_pairs(client, token, "companies", "contacts", companies)
        backward, dup_b = read_pairs(client, token, "contacts", "companies", contacts)
    problems += dup_f + dup_b
    inverse = {(f, t) for t, f in backward}
    if inverse != forward:
        problems.append(
            f"edges without inverse: {sorted(forward ^ inverse)[:10]} ({len(forward ^ inverse)})"
        )
    for log in logs:
        own = {p for p in forward if p[0] in set(log.companies)}
        allowed = [log.expected]
        if log.in_flight is not None:
            kind, pairs = log.in_flight
            allowed.append(
                log.expected | set(pairs) if kind == "create" else log.expected - set(pairs)
            )
        if own in allowed:
            # Settle the request cut off in flight: the store says which way it went.
            log.expected = set(own)
            log.in_flight = None
        else:
            problems.append(
                f"client of {log.companies[:3]}...: missing {sorted(log.expected - own)[:5]},"
                f" unexpected {sorted(own - log.expected)[:5]}, in flight {log.in_flight}"
            )
    return problems


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
