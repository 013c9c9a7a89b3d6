"""The vaccine stage's import direction: pipeline -> vaccine -> peptides, never back.

``vaxmix design`` lives in :mod:`vaxmix.pipeline.design_command` (it drives the whole job), so
the vaccine package imports nothing from the pipeline, and the peptides package (an earlier
stage) nothing from the vaccine. grimp reads every import statement, those inside functions
included.
"""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("vaxmix", include_external_packages=False)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("vaxmix.vaccine", "vaxmix.pipeline"), ("vaxmix.peptides", "vaxmix.vaccine")],
)
def test_no_backward_import(graph, importer, imported):
    assert not graph.chain_exists(importer, imported, as_packages=True)
