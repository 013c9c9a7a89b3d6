"""``vaxmix run``'s fusion options and their config (light: argparse only, imported at CLI start).

The work is in :mod:`vaxmix.pipeline.fusions`.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

from vaxmix.common.errors import InputError

__all__ = ["FusionConfig", "add_fusion_arguments", "fusion_config_from_args"]


@dataclass(frozen=True)
class FusionConfig:
    """``--fusions`` and pVACfuse's fusion options (defaults are pVACfuse 7.1.5's)."""

    path: Path
    starfusion_file: Path | None = None
    read_support: int = 5
    expn_val: float = 0.1
    downstream_length: int | None = 1000

    def __post_init__(self) -> None:
        if self.read_support < 0:
            raise InputError("must be ≥ 0", field="--fusion-read-support")
        if not math.isfinite(self.expn_val) or self.expn_val < 0:
            raise InputError("must be a finite number ≥ 0", field="--fusion-expn-val")


def add_fusion_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fusions`` and pVACfuse's fusion options, for ``vaxmix run``."""
    group = parser.add_argument_group("gene fusions (pVACfuse)")
    group.add_argument(
        "--fusions",
        type=Path,
        help="AGFusion output folder (run with "
        "--middlestar) or Arriba fusions.tsv with peptide_sequence",
    )
    group.add_argument(
        "--starfusion-file",
        type=Path,
        help="STAR-Fusion predictions table: read support (AGFusion) and FFPM expression (both)",
    )
    group.add_argument(
        "--fusion-read-support",
        type=int,
        default=5,
        help="minimum fusion read support (pVACfuse --read-support, 5)",
    )
    group.add_argument(
        "--fusion-expn-val",
        type=float,
        default=0.1,
        help="minimum fusion expression, FFPM (pVACfuse --expn-val, 0.1)",
    )


def fusion_config_from_args(args: argparse.Namespace) -> FusionConfig | None:
    """The fusion options of ``vaxmix run``, or ``None`` without ``--fusions``."""
    if getattr(args, "fusions", None) is None:
        if getattr(args, "starfusion_file", None) is not None:
            raise InputError("needs --fusions", field="--starfusion-file")
        return None
    return FusionConfig(
        Path(args.fusions), args.starfusion_file, args.fusion_read_support, args.fusion_expn_val
    )
