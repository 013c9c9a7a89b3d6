"""``vaxmix mhc train``: data → dataset → ensemble → numpy export → percentile tables."""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

from vaxmix.common.errors import InputError

logger = logging.getLogger(__name__)

__all__ = ["download_hitlist_wheel", "download_immunotype_wheel", "download_mhcnuggets_wheel",
           "download_wheel", "run_training"]

MHCNUGGETS_REQUIREMENT = "mhcnuggets==2.4.1"
HITLIST_REQUIREMENT = "hitlist==2.0.40"
IMMUNOTYPE_REQUIREMENT = "immunotype==1.0.5"


def download_wheel(requirement: str, cache: Path) -> Path:
    """Fetch the wheel of ``name==version`` with pip (no dependencies) into ``cache``.

    Training-time only (``vaxmix mhc train``); prediction never downloads anything.
    """
    name, version = requirement.split("==")
    pattern = f"{name}-{version}-*.whl"
    existing = sorted(cache.glob(pattern))
    if existing:
        return existing[0]
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         requirement, "-d", str(cache)],
        check=True,
    )
    return sorted(cache.glob(pattern))[0]


def download_mhcnuggets_wheel(cache: Path) -> Path:
    """The mhcnuggets 2.4.1 wheel (IEDB affinity data, Apache-2.0)."""
    return download_wheel(MHCNUGGETS_REQUIREMENT, cache)


def download_hitlist_wheel(cache: Path) -> Path:
    """The hitlist 2.0.40 wheel (multi-allelic cell-line ligands, Apache-2.0)."""
    return download_wheel(HITLIST_REQUIREMENT, cache)


def download_immunotype_wheel(cache: Path) -> Path:
    """The immunotype 1.0.5 wheel (mono-allelic class I ligand table, MIT)."""
    return download_wheel(IMMUNOTYPE_REQUIREMENT, cache)


def _optional_wheel(path: Path | None, wanted: bool, requirement: str,
                    cache: Path) -> Path | None:
    """The wheel given by path, else downloaded when ``wanted``, else None."""
    if path is None and wanted:
        path = download_wheel(requirement, cache)
    if path is not None and not path.is_file():
        raise InputError(f"{requirement.split('==')[0]} wheel not found", path=path)
    return path


def run_training(args: argparse.Namespace) -> int:
    """Train, export and calibrate; everything lands in ``args.out`` only on success."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError as exc:
        raise InputError("training needs PyTorch: pip install 'vaxmix[train]'") from exc

    from vaxmix.common.atomic import staged_output
    from vaxmix.common.provenance import package_versions
    from vaxmix.mhc.calibration import BACKGROUND_FILE, PERCENTILE_FILE, background_peptides
    from vaxmix.mhc.model import MODEL_FILE
    from vaxmix.mhc.training.calibration_build import build_percentiles
    from vaxmix.mhc.training.dataset import build_dataset
    from vaxmix.mhc.training.train import (
        TrainConfig,
        export_ensemble,
        load_dataset,
        train_ensemble,
    )

    started = time.time()
    with staged_output(args.out) as stage:
        if args.dataset is not None:
            dataset_path = args.dataset
            if not dataset_path.is_file():
                raise InputError("training dataset not found", path=dataset_path)
        else:
            if args.maptac_dir is None or not args.maptac_dir.is_dir():
                raise InputError("--maptac-dir (MAPTAC ligand folder) is required",
                                 field="--maptac-dir")
            wheel = args.mhcnuggets_wheel or download_mhcnuggets_wheel(args.out / ".cache")
            if not wheel.is_file():
                raise InputError("mhcnuggets wheel not found", path=wheel)
            cache = args.out / ".cache"
            hitlist = _optional_wheel(args.hitlist_wheel, args.multiallelic,
                                      HITLIST_REQUIREMENT, cache)
            immunotype = _optional_wheel(args.immunotype_wheel, args.immunotype,
                                         IMMUNOTYPE_REQUIREMENT, cache)
            dataset_path = stage / "train_class1.npz"
            built = build_dataset(wheel, args.maptac_dir, dataset_path, hitlist, immunotype)
            logger.info("training dataset: %s", json.dumps(built))
        data = load_dataset(dataset_path)
        if args.multiallelic_weight > 0 and not len(data.get("ma_peptide", ())):
            raise InputError("--multiallelic-weight needs cell-line ligands in the dataset "
                             "(--multiallelic or --hitlist-wheel)", field="--multiallelic-weight")
        config = TrainConfig(n_models=args.models, epochs=args.epochs, seed=args.seed,
                             device=args.device, threads=args.threads,
                             multiallelic_weight=args.multiallelic_weight)
        log: list[str] = []
        members = train_ensemble(data, config, log, jobs=args.jobs)
        provenance = json.loads(str(data["provenance"]))
        model_path = stage / MODEL_FILE
        export_ensemble(members, model_path, "vaxmix-mhc1", args.version, config, provenance,
                        {"versions": package_versions(("torch",))})
        alleles = data["alleles"].tolist()
        build_percentiles(model_path, background_peptides(), alleles, stage / PERCENTILE_FILE)
        summary = {
            "schema": "vaxmix.mhc-training/1",
            "model": f"vaxmix-mhc1 {args.version}",
            "dataset": str(dataset_path.name),
            "training_data": provenance,
            "config": config.__dict__,
            "background": BACKGROUND_FILE,
            "seconds": round(time.time() - started, 1),
            "log": log,
        }
        (stage / "training.json").write_text(json.dumps(summary, indent=2))
    logger.info("model written to %s (%.0f s)", args.out, time.time() - started)
    return 0
