"""Throughput of parallel reviewers against a live ``vaxmix serve`` app, and a loss check.

Usage::

    python benchmarks/store_concurrency.py [--reviewers 20] [--each 25] [--postgres URL]

Starts the app with uvicorn on 127.0.0.1 over a fresh SQLite registry (and, with
``--postgres URL``, over a fresh database on that server), imports the test fixture run, lets
N reviewers (threads, one session each) post decisions at once, then prints decisions per
second, the p50/p95 request latency, and whether every decision and its audit record were
stored (the audit chain is verified).
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from vaxmix.store.app import create_app
from vaxmix.store.audit import verify_chain
from vaxmix.store.db import open_registry
from vaxmix.store.models import DECISIONS, AuditEntry, ReviewDecision
from vaxmix.store.service import add_user, import_run

FIXTURE = Path(__file__).parents[1] / "tests" / "report" / "data" / "run"


def run_once(url: str, run_dir: Path, reviewers: int, each: int) -> dict[str, float | bool]:
    registry = open_registry(url)
    import_run(registry, run_dir, actor="bench")
    for i in range(reviewers):
        add_user(registry, f"r{i}", "bench-password", "reviewer", actor="bench")
    server = uvicorn.Server(
        uvicorn.Config(create_app(registry), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    clients = []
    for i in range(reviewers):
        client = httpx.Client(base_url=base, timeout=60.0, trust_env=False)
        token = client.post("/api/login", json={"username": f"r{i}", "password": "bench-password"})
        clients.append((client, token.json()["csrf_token"]))
    barrier = threading.Barrier(reviewers)
    latencies: list[float] = []

    def review(i: int) -> int:
        client, csrf = clients[i]
        barrier.wait()
        ok = 0
        for k in range(each):
            start = time.perf_counter()
            response = client.post(
                f"/api/candidates/{1 + (i + k) % 4}/review",
                json={"decision": DECISIONS[(i + k) % 3], "comment": f"r{i}-{k}"},
                headers={"X-CSRF-Token": csrf},
            )
            latencies.append(time.perf_counter() - start)
            ok += response.status_code == 200
        return ok

    start = time.perf_counter()
    with ThreadPoolExecutor(reviewers) as pool:
        accepted = sum(pool.map(review, range(reviewers)))
    elapsed = time.perf_counter() - start
    server.should_exit = True
    thread.join(timeout=30)
    for client, _ in clients:
        client.close()
    with registry.read() as session:
        stored = session.scalar(select(func.count()).select_from(ReviewDecision))
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "candidate.review")
        )
        chain_ok = verify_chain(session).ok
    registry.close()
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "sent": reviewers * each,
        "accepted": accepted,
        "stored": stored,
        "audited": audited,
        "chain_ok": chain_ok,
        "per_s": accepted / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": quantiles[18] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--each", type=int, default=25)
    parser.add_argument("--postgres", default=None, help="server URL; a fresh database is made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "run"
        shutil.copytree(FIXTURE, run_dir)
        with gzip.open(run_dir / "all_epitopes.tsv.gz", "rb") as src:
            (run_dir / "all_epitopes.tsv").write_bytes(src.read())
        targets = [("SQLite (WAL)", f"sqlite:///{Path(tmp) / 'bench.sqlite'}")]
        admin = None
        if args.postgres:
            name = f"vaxmix_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            pg_url = make_url(args.postgres).set(database=name)
            targets.append(("PostgreSQL", pg_url.render_as_string(hide_password=False)))
        for label, url in targets:
            r = run_once(url, run_dir, args.reviewers, args.each)
            print(
                f"{label}: {args.reviewers} reviewers x {args.each}: {r['per_s']:.0f} decisions/s, "
                f"latency p50 {r['p50_ms']:.0f} ms p95 {r['p95_ms']:.0f} ms; "
                f"sent {r['sent']}, accepted {r['accepted']}, stored {r['stored']}, "
                f"audited {r['audited']}, audit chain {'intact' if r['chain_ok'] else 'BROKEN'}"
            )
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
