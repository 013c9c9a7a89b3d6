"""The shipped example patient: simulated colorectal tumor expression and one MTT plate.

Everything in ``data/example/`` is **simulated** (see ``data/SOURCE.md``); it exists to show and
test the stage end to end, not as evidence about any virus.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from vaxmix.virus.plate import PlateOptions
from vaxmix.virus.run import PanelInputs, PanelRun, run_panel

__all__ = ["NORMAL_SAMPLE", "SIMULATED_NOTE", "example_inputs", "run_example"]

NORMAL_SAMPLE = "PT01-normal"
#: How every output of the example labels its data (``panel.json``, CLI, report banner).
SIMULATED_NOTE = (
    "SIMULATED example data: the virus stage's built-in example patient PT01 (simulated "
    "colorectal tumor RNA expression and one simulated MTT plate; vaxmix/virus/data/SOURCE.md). "
    "Not measured on any patient; it shows the virus stage end to end, not evidence for any virus."
)


def example_inputs() -> PanelInputs:
    """Paths of the shipped example files, as stage inputs."""
    folder = Path(str(resources.files("vaxmix.virus") / "data" / "example"))
    return PanelInputs(
        indication="colorectal",
        expression=folder / "expression.tsv",
        plates=((folder / "plate_grid.csv", folder / "plate_layout.csv"),),
        simulated=SIMULATED_NOTE,
    )


def run_example(out_dir: str | Path, plots: bool = True) -> PanelRun:
    """Run the example patient into ``out_dir``."""
    options = PlateOptions(assay="MTT", normal_samples=frozenset({NORMAL_SAMPLE}))
    return run_panel(example_inputs(), out_dir, plate_options=options, plots=plots)
