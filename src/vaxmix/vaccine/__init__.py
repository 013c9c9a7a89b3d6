"""Vaccine design at protein level: candidate features, ranking presets, long-peptide selection,
junction-safe ordering with linkers, and construct assembly (see docs/vaccine.md).

Public entry points:

* :func:`design_vaccine` (run folder → :class:`DesignResult`) and :func:`write_design`;
* :func:`design_from_peptides` (pVACvector-style ordering of given peptides);
* :class:`Construct` (``.protein``, ``.elements``) and :func:`load_construct`, read by the mRNA
  stage from ``vaccine/construct.json``;
* :class:`DesignConfig` with :func:`load_config`.
"""

from vaxmix.vaccine.config import DesignConfig, load_config
from vaxmix.vaccine.construct import Construct, Element, load_construct
from vaxmix.vaccine.design import (
    DesignResult,
    design_from_peptides,
    design_vaccine,
    verify_junctions,
    write_design,
)

__all__ = [
    "Construct",
    "DesignConfig",
    "DesignResult",
    "Element",
    "design_from_peptides",
    "design_vaccine",
    "load_config",
    "load_construct",
    "verify_junctions",
    "write_design",
]
