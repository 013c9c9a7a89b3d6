"""The design page lists one row per variant (issue 16 item 3), with the vaccine's reasons.

The case is the one a user met on the HCC1395 demo: a frameshift (here ZNF429's, a class I
candidate of the fixture on ENST00000358491.9) whose best class II peptide lies on another
transcript, so the two aggregated rows share the variant ``ID`` but not the ``Index``. The page
must show it once, both classes side by side, and say per variant why it is or is not in the
vaccine (``vaccine/candidates.tsv``), while designs keep holding ``Index`` keys.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from store_helpers import CLASS2_COLUMNS, CSRF_FIELD, MSH6_INDEX, PASSWORDS, load_registry

from vaxmix.store.app import create_app
from vaxmix.store.db import Registry
from vaxmix.store.models import Candidate, Design
from vaxmix.store.service import approve_design, design_problems, record_decision
from vaxmix.vaccine.reasons import REASON_COLUMNS

FS_ID = "chr19-21536794-21536799-TAAGAG-T"
FS_CLASS1_INDEX = "869.ZNF429.ENST00000358491.9.FS.248-249TAAGAG/T"  # aggregated.tsv row 18
FS_CLASS2_INDEX = "870.ZNF429.ENST00000999998.1.FS.248-249TAAGAG/T"  # same variant, transcript B
FS_CLASS2_PEPTIDE = "KSTLTNHNSYQRLHA"
BOX = re.compile(r'<input type="checkbox" name="candidate" value="([^"]+)" ?(checked)?')


def _class2_on_other_transcript(run_dir: Path) -> None:
    row = (FS_ID, FS_CLASS2_INDEX, "1", "ZNF429", "FS248-249", FS_CLASS2_PEPTIDE,
           "ENST00000999998.1", "HLA-DRB1*04:05", "210.0", "5000.0", "3.0", "14.439", "0.298",
           "4.303", "0.212", "Pass", "Pending")  # fmt: skip
    (run_dir / "MHC_Class_II").mkdir()
    (run_dir / "MHC_Class_II" / "aggregated.tsv").write_text(
        "\t".join(CLASS2_COLUMNS) + "\n" + "\t".join(row) + "\n"
    )


def _write_reasons(run_dir: Path) -> None:
    rows = [
        (FS_ID, "ZNF429", "FS248-249", FS_CLASS1_INDEX, "Subclonal", FS_CLASS2_INDEX, "Pass",
         "no", "", "not chosen: best window value 0.12; the lowest chosen value is 0.3"),
        ("chr2-47806319-47806320-G-A", "MSH6", "D1255N", MSH6_INDEX, "Pass", "", "", "yes",
         "MSH6_D1255N", "in the vaccine as long peptide 1 of 5"),
    ]  # fmt: skip
    lines = ["\t".join(REASON_COLUMNS), *("\t".join(r) for r in rows)]
    (run_dir / "vaccine" / "candidates.tsv").write_text("\n".join(lines) + "\n")


@pytest.fixture
def fs_run(hcc1395_run: Path) -> Path:
    _class2_on_other_transcript(hcc1395_run)
    return hcc1395_run


def _login(registry: Registry, username: str):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    client = TestClient(create_app(registry), base_url="http://127.0.0.1")
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    client.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "csrf_token": token},
    )
    return client, CSRF_FIELD.search(client.get("/runs/1").text).group(1)


def _rows(page: str) -> dict[str, str]:
    """Table rows of the design page by their ``data-variant``."""
    table = page[page.index('id="design-candidates"') :].split("</table>")[0]
    found = re.findall(r'<tr data-index="[^"]*" data-variant="([^"]*)">(.*?)</tr>', table, re.S)
    variants = [v for v, _ in found]
    assert len(variants) == len(set(variants)), "a variant is listed twice"
    return dict(found)


def test_one_row_per_variant_with_both_classes_and_reasons(
    registry: Registry, fs_run: Path
) -> None:
    _write_reasons(fs_run)
    load_registry(registry, fs_run)
    client, _ = _login(registry, "vic")
    page = client.get("/designs/1").text
    rows = _rows(page)
    assert len(rows) == 23  # the 23 class I variants; the class II row joins ZNF429's
    fs_row = rows[FS_ID]
    assert "STLTNHNSY" in fs_row and FS_CLASS2_PEPTIDE in fs_row  # class I and II together
    assert "ENST00000358491.9" in fs_row and "ENST00000999998.1" in fs_row
    assert "no class I candidate" not in fs_row and "no class II candidate" not in fs_row
    assert "not chosen: best window value 0.12" in fs_row
    assert re.search(r'class="in-vaccine">no<', fs_row)
    msh6 = rows["chr2-47806319-47806320-G-A"]
    assert re.search(r'class="in-vaccine">yes \(MSH6_D1255N\)<', msh6)
    assert "in the vaccine as long peptide 1 of 5" in msh6
    assert "not in vaccine/candidates.tsv" in rows["chr6-157133135-157133136-G-C"]  # ARID1B
    assert "Reasons from " in page and "candidates.tsv" in page


def test_reasons_absent_or_stale_are_said(registry: Registry, fs_run: Path) -> None:
    load_registry(registry, fs_run)
    client, _ = _login(registry, "vic")
    page = client.get("/designs/1").text
    assert "The run folder has no vaccine/candidates.tsv" in page
    assert "not shown" not in page
    assert 'class="in-vaccine">yes' not in page and 'class="in-vaccine">no' not in page
    # The folder now holds another run: its reasons must not be lent to the imported one.
    _write_reasons(fs_run)
    (fs_run / "run.json").write_text((fs_run / "run.json").read_text() + "\n")
    page = client.get("/designs/1").text
    assert "no longer holds the imported run" in page
    assert "not chosen: best window value" not in page


def test_accepting_class_2_on_its_own_transcript_keeps_design_semantics(
    registry: Registry, fs_run: Path
) -> None:
    """A design still holds ``Index`` keys: accepting the class II candidate (transcript B)
    puts B in the design; the one row shows it checked, a save keeps it, and it approves."""
    load_registry(registry, fs_run)
    with registry.read() as session:
        class2 = session.scalars(
            select(Candidate).where(Candidate.index_key == FS_CLASS2_INDEX)
        ).one()
    record_decision(registry, class2.id, "Accept", "", "rita")
    client, csrf = _login(registry, "rita")
    response = client.post("/runs/1/designs", data={"csrf_token": csrf}, follow_redirects=False)
    design_id = int(response.headers["location"].rsplit("/", 1)[1])
    with registry.read() as session:
        assert session.get(Design, design_id).content["candidates"] == [FS_CLASS2_INDEX]
    page = client.get(f"/designs/{design_id}").text
    fs_row = _rows(page)[FS_ID]
    assert BOX.findall(fs_row) == [(FS_CLASS2_INDEX, "checked")]
    assert {v for v, checked in BOX.findall(page) if checked} == {FS_CLASS2_INDEX}
    # Saving the unchanged form (what a browser sends) keeps the design's Index keys.
    sent = [v for v, checked in BOX.findall(page) if checked]
    client.post(f"/designs/{design_id}/edit", data={"candidate": sent, "csrf_token": csrf})
    with registry.read() as session:
        design = session.get(Design, design_id)
        assert design.content["candidates"] == [FS_CLASS2_INDEX]
        assert design_problems(session, design) == []
    confirm = client.get(f"/designs/{design_id}/approve").text
    assert FS_CLASS2_INDEX in confirm and "STLTNHNSY" in confirm
    approve_design(registry, design_id, "rita")


def test_a_design_holding_both_transcripts_shows_both_keys_in_one_row(
    registry: Registry, fs_run: Path
) -> None:
    """Class I accepted on transcript A and class II on B: the design holds both keys (as
    ``accepted_variants`` makes it); the page keeps one row with a checkbox per held key, so
    a save loses neither."""
    load_registry(registry, fs_run)
    client, csrf = _login(registry, "rita")
    client.post(
        "/designs/1/edit",
        data={"candidate": [FS_CLASS1_INDEX, FS_CLASS2_INDEX], "csrf_token": csrf},
    )
    page = client.get("/designs/1").text
    assert BOX.findall(_rows(page)[FS_ID]) == [
        (FS_CLASS1_INDEX, "checked"),
        (FS_CLASS2_INDEX, "checked"),
    ]
