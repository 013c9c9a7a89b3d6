"""Another user's page latency while clients flood ``/api/login`` with bad passwords.

Usage::

    python benchmarks/login_flood.py [--clients 8] [--each 15] [--timeout 180]

Starts ``vaxmix serve``'s app in a separate process (uvicorn, 127.0.0.1 only) over a fresh SQLite
registry holding the test fixture run and one signed-in viewer, with the production argon2id
parameters. The viewer loads the run page 20 times alone (baseline), then again and again while
``--clients`` threads each send ``--each`` sign-ins with a wrong password for distinct user names
(password spraying: every attempt costs one argon2id hash and the per-user throttle never
engages). Prints the viewer's p50/p95 latency alone and during the flood, the flood's wall time
and the login status codes. Bounded: at most clients x each sign-ins (capped at 400), every
request has a 60 s timeout and the whole run stops after ``--timeout`` seconds.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

FIXTURE = Path(__file__).parents[1] / "tests" / "report" / "data" / "run"
HOST = "127.0.0.1"
MAX_SIGN_INS = 400
SERVER = """
import sys, uvicorn
from vaxmix.store.app import create_app
from vaxmix.store.db import open_registry
uvicorn.run(create_app(open_registry(sys.argv[1])), host=sys.argv[2], port=int(sys.argv[3]),
            log_level="warning", access_log=False)
"""


def _prepare(folder: Path) -> str:
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import add_user, import_run

    run = folder / "run"
    shutil.copytree(FIXTURE, run)
    with gzip.open(run / "all_epitopes.tsv.gz", "rb") as src:
        (run / "all_epitopes.tsv").write_bytes(src.read())
    (run / "all_epitopes.tsv.gz").unlink()
    url = f"sqlite:///{folder / 'registry.sqlite'}"
    registry = open_registry(url)
    import_run(registry, run, actor="bench")
    add_user(registry, "viewer", "viewer-password", "viewer", actor="bench")
    registry.close()
    return url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/login", timeout=2.0, trust_env=False)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--each", type=int, default=15)
    parser.add_argument("--timeout", type=float, default=180.0, help="stop after this many s")
    args = parser.parse_args()
    if args.clients * args.each > MAX_SIGN_INS:
        parser.error(f"at most {MAX_SIGN_INS} sign-ins in all")
    stop_at = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare(Path(tmp))
        port = _free_port()
        base = f"http://{HOST}:{port}"
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER, url, HOST, str(port)], env=dict(os.environ)
        )
        try:
            _wait_up(base, time.monotonic() + 60)
            return _measure(base, args.clients, args.each, stop_at)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _measure(base: str, clients: int, each: int, stop_at: float) -> int:
    viewer = httpx.Client(base_url=base, timeout=60.0, trust_env=False)
    signed = viewer.post("/api/login", json={"username": "viewer", "password": "viewer-password"})
    signed.raise_for_status()

    def page() -> float:
        start = time.perf_counter()
        viewer.get("/runs/1").raise_for_status()
        return time.perf_counter() - start

    page()  # warm up
    alone = [page() for _ in range(20)]

    codes: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def flood(client_no: int) -> None:
        with httpx.Client(base_url=base, timeout=60.0, trust_env=False) as client:
            for i in range(each):
                if time.monotonic() > stop_at:
                    return
                body = {"username": f"spray{client_no}-{i}", "password": "wrong-password"}
                try:
                    status = client.post("/api/login", json=body).status_code
                except httpx.HTTPError:
                    status = 0
                with lock:
                    codes[status] += 1

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    during: list[float] = []
    while any(t.is_alive() for t in threads) and time.monotonic() < stop_at:
        during.append(page())
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + 1)
    flood_s = time.perf_counter() - start
    viewer.close()

    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"flood: {clients} clients x {each} bad sign-ins on {base}, {flood_s:.1f} s, "
        f"status codes {dict(sorted(codes.items()))}"
    )
    print(
        f"viewer page alone:        p50 {statistics.median(alone) * 1000:8.1f} ms, "
        f"p95 {_pct(alone, 0.95) * 1000:8.1f} ms (n={len(alone)})"
    )
    if during:
        print(
            f"viewer page during flood: p50 {statistics.median(during) * 1000:8.1f} ms, "
            f"p95 {_pct(during, 0.95) * 1000:8.1f} ms (n={len(during)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
