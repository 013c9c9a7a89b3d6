"""The built-in example patient (a real HCC1395 subset from pVACtools' example) and ``run_demo``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from vaxmix.common.epitope_lengths import CLASS1_LENGTHS
from vaxmix.pipeline.config import PipelineConfig
from vaxmix.pipeline.run import PipelineResult, Predictor, run_pipeline

__all__ = ["EXAMPLE_SAMPLE", "example_config", "example_patient_files", "run_demo"]

EXAMPLE_SAMPLE = "HCC1395_TUMOR_DNA"
EXAMPLE_NORMAL = "HCC1395_NORMAL_DNA"
_PACKAGE = "vaxmix.pipeline"
_FOLDER = ("data", "example_patient")


@contextmanager
def example_patient_files() -> Iterator[tuple[Path, Path]]:
    """Paths of the example VCF and HLA list (valid inside the ``with`` block)."""
    folder = resources.files(_PACKAGE).joinpath(*_FOLDER)
    with resources.as_file(folder.joinpath("hcc1395_subset.vcf.gz")) as vcf, resources.as_file(
        folder.joinpath("hla_alleles.txt")
    ) as hla:
        yield Path(vcf), Path(hla)


def example_config(vcf: Path, hla_file: Path, lengths: tuple[int, ...] = CLASS1_LENGTHS) -> (
    PipelineConfig
):
    """The demo's configuration: pVACseq defaults, tumor and normal samples of HCC1395."""
    return PipelineConfig(
        vcf=vcf,
        sample=EXAMPLE_SAMPLE,
        normal_sample=EXAMPLE_NORMAL,
        hla_file=hla_file,
        lengths=lengths,
    )


def run_demo(
    out_dir: str | Path, predict: Predictor | None = None, predict_class2: Predictor | None = None,
    overwrite: bool = False,
) -> PipelineResult:
    """Run the core pipeline on the example patient into ``out_dir`` (offline, seconds).

    The example's HLA list holds pVACtools' class I alleles and its class II allele
    (HLA-DRB1*04:05), so the demo writes class I tables and ``MHC_Class_II/`` tables.
    """
    with example_patient_files() as (vcf, hla):
        return run_pipeline(example_config(vcf, hla), out_dir, predict=predict,
                            predict_class2=predict_class2, overwrite=overwrite)  # fmt: skip


def run_full_demo(
    out_dir: str | Path, with_mrna: bool = True, overwrite: bool = False
) -> tuple[PipelineResult, object]:
    """The whole job on the example patient: pipeline, vaccine, mRNA, virus panel, report.

    The virus panel uses the virus stage's own shipped example (simulated colorectal expression
    and one MTT plate), because pVACtools' HCC1395 example (a breast cancer cell line) has no
    virus data; ``panel.json``, the summary, a warning and the report's banner all say the panel
    is simulated and not this patient's. Returns the pipeline result and the
    :class:`~vaxmix.pipeline.workflow.PatientDesign`.
    """
    from vaxmix.common.progress import stage
    from vaxmix.pipeline.workflow import design_patient
    from vaxmix.virus.example import NORMAL_SAMPLE, example_inputs
    from vaxmix.virus.plate import PlateOptions

    with stage("pipeline: VCF, peptides, class I and II prediction, ranking"):
        run = run_demo(out_dir, overwrite=overwrite)
    design = design_patient(
        out_dir,
        virus_inputs=example_inputs(),
        virus_plate_options=PlateOptions(assay="MTT", normal_samples=frozenset({NORMAL_SAMPLE})),
        with_mrna=with_mrna,
    )
    return run, design
