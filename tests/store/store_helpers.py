"""Constants and helpers shared by the store tests (imported by conftest and test modules)."""

from __future__ import annotations

import contextlib
import gzip
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

RUN_DATA = Path(__file__).parents[1] / "report" / "data" / "run"
PASSWORDS = {"admin": "admin-pass-1", "rita": "reviewer-pass-1", "vic": "viewer-pass-1"}
ROLES = {"admin": "admin", "rita": "reviewer", "vic": "viewer"}
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def load_registry(registry, run: Path):
    """Import ``run`` into ``registry`` and add the three users (admin, reviewer, viewer)."""
    from vaxmix.store.service import add_user, import_run

    import_run(registry, run, actor="test")
    for name, password in PASSWORDS.items():
        add_user(registry, name, password, ROLES[name], actor="test")
    return registry


def aggregated_rows(run: Path, mhc_class: str = "I") -> list[dict[str, str]]:
    """The rows of a run folder's class I or class II ``aggregated.tsv``, as written."""
    import csv

    path = run / ("aggregated.tsv" if mhc_class == "I" else "MHC_Class_II/aggregated.tsv")
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def build_run_folder(target: Path) -> Path:
    """The HCC1395 fixture run folder of tests/report (see tests/report/data/SOURCE.md)."""
    shutil.copytree(RUN_DATA, target)
    packed = target / "all_epitopes.tsv.gz"
    with gzip.open(packed, "rb") as src, open(target / "all_epitopes.tsv", "wb") as dst:
        shutil.copyfileobj(src, dst)
    packed.unlink()
    return target


MSH6_INDEX = "117.MSH6.ENST00000234420.11.missense.1255D/N"  # class I row 1 of the fixture
ARID1B_INDEX = "359.ARID1B.ENST00000636930.2.missense.897G/A"  # class I row 2
CLASS2_ONLY_INDEX = "900.KRAS.ENST00000256078.10.missense.12G/D"  # no class I row
CLASS2_COLUMNS = (
    "ID", "Index", "DRB1*04:05", "Gene", "AA Change", "Best Peptide", "Best Transcript",
    "Allele", "IC50 MT", "IC50 WT", "%ile MT", "RNA Expr", "RNA VAF", "Allele Expr", "DNA VAF",
    "Tier", "Evaluation",
)  # fmt: skip
# Hand-written class II rows (pVACseq MHC_Class_II/aggregated.tsv columns): two variants that
# are class I candidates too (same ID and Index), one that is a class II candidate only.
CLASS2_ROWS = (
    ("chr2-47806319-47806320-G-A", MSH6_INDEX, "3", "MSH6", "D1255N", "GSVENYSQNVAKLLE",
     "ENST00000234420.11", "HLA-DRB1*04:05", "120.5", "300.1", "2.1", "48.832", "0.338",
     "16.505", "0.318", "Pass", "Pending"),
    ("chr6-157133135-157133136-G-C", ARID1B_INDEX, "1", "ARID1B", "G897A", "QMHAAPSPGGQMHAA",
     "ENST00000636930.2", "HLA-DRB1*04:05", "480.0", "900.0", "6.5", "39.757", "1.0",
     "39.757", "1.0", "Relaxed", "Pending"),
    ("chr12-25245349-25245350-C-T", CLASS2_ONLY_INDEX, "2", "KRAS", "G12D",
     "MTEYKLVVVGADGVGKSAL", "ENST00000256078.10", "HLA-DRB1*04:05", "210.0", "2500.0", "3.0",
     "20.0", "0.25", "20.0", "0.22", "Pass", "Pending"),
)  # fmt: skip


def add_class2_table(run_dir: Path) -> Path:
    """Give a run folder an ``MHC_Class_II/aggregated.tsv`` (the rows above); returns its path."""
    folder = run_dir / "MHC_Class_II"
    folder.mkdir()
    path = folder / "aggregated.tsv"
    lines = ["\t".join(CLASS2_COLUMNS), *("\t".join(row) for row in CLASS2_ROWS)]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def serve_in_thread(app, **options) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread; yields its URL.

    ``options`` are more ``uvicorn.Config`` settings (``vaxmix serve``'s come from
    ``vaxmix.store.commands.serve_options``).
    """
    import uvicorn

    settings = {"host": "127.0.0.1", "port": 0, "log_level": "warning", "access_log": False}
    settings.update(options)
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]  # port 0: the OS picked a free one
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def signed_in(app, username: str):
    """A ``TestClient`` signed in through ``/api/login`` and the session's CSRF token."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    client = TestClient(app, base_url="http://127.0.0.1")
    response = client.post(
        "/api/login", json={"username": username, "password": PASSWORDS[username]}
    )
    assert response.status_code == 200, response.text
    return client, response.json()["csrf_token"]
