"""vaxmix.virus — a personalised oncolytic-virus panel for one patient.

The stage follows the published Engelhardt/Chumakov personalised virotherapy method: test a
panel of non-pathogenic enteroviruses (and other oncolytic viruses) on the patient's own
early-passage tumor cells, fit dose-response curves, and pick the viruses that kill tumor cells
but spare normal ones — supported, where no plate was run, by the tumor's RNA (receptor
expression as an entry gate, loss of interferon-pathway genes as permissiveness). Up to four
viruses with different entry receptors are chosen, as in the reported four-virus Enteromix mix;
every pick and every rejection carries its reasons. See ``docs/virus.md``.

Public API::

    catalog = load_catalog()
    profile = read_expression("tumor_tpm.tsv")
    rna = score_rna(catalog, profile)
    wells = read_plate("grid.csv", "layout.csv"); validate_controls(wells, catalog.viruses)
    assay = analyse_plates(wells)
    panel = select_panel(catalog, "colorectal", rna=rna, assay=assay)  # -> VirusPanel
    run_panel(PanelInputs(...), "RUN/virus")  # writes panel.json (vaxmix.virus_panel/1) etc.
"""

from importlib import import_module

# Public names → defining module. Imported lazily (PEP 562) so that `vaxmix --help`, which
# imports vaxmix.virus.commands, does not pay for pandas/scipy/matplotlib.
_EXPORTS: dict[str, str] = {
    "AssayConfig": "assay",
    "AssayResult": "assay",
    "analyse_plates": "assay",
    "Catalog": "catalog",
    "Receptor": "catalog",
    "Virus": "catalog",
    "load_catalog": "catalog",
    "ExpressionProfile": "expression",
    "read_expression": "expression",
    "FitConfig": "fit",
    "FitResult": "fit",
    "fit_4pl": "fit",
    "four_pl": "fit",
    "PlateOptions": "plate",
    "read_plate": "plate",
    "validate_controls": "plate",
    "RnaEvidence": "rna_scoring",
    "RnaScoringConfig": "rna_scoring",
    "score_rna": "rna_scoring",
    "PanelInputs": "run",
    "PanelRun": "run",
    "run_panel": "run",
    "PanelConfig": "select",
    "PanelPick": "select",
    "PanelRejection": "select",
    "VirusPanel": "select",
    "select_panel": "select",
}


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(import_module(f"vaxmix.virus.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'vaxmix.virus' has no attribute {name!r}")


__all__ = [
    "AssayConfig",
    "AssayResult",
    "Catalog",
    "ExpressionProfile",
    "FitConfig",
    "FitResult",
    "PanelConfig",
    "PanelInputs",
    "PanelPick",
    "PanelRejection",
    "PanelRun",
    "PlateOptions",
    "Receptor",
    "RnaEvidence",
    "RnaScoringConfig",
    "Virus",
    "VirusPanel",
    "analyse_plates",
    "fit_4pl",
    "four_pl",
    "load_catalog",
    "read_expression",
    "read_plate",
    "run_panel",
    "score_rna",
    "select_panel",
    "validate_controls",
]
