"""vaxmix.mrna: design the mRNA of a protein — codons and structure optimised together.

Public API (imported lazily so that ``vaxmix --help`` stays fast):

* :func:`design_mrna(protein, config) -> MrnaDesign <vaxmix.mrna.design.design_mrna>`
* :class:`DesignConfig`, :class:`ConstraintConfig`, :class:`Elements`, :func:`default_elements`
* :func:`write_design(design, out_dir) <vaxmix.mrna.writers.write_design>`
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ConstraintConfig",
    "DesignConfig",
    "Elements",
    "MrnaDesign",
    "default_elements",
    "design_mrna",
    "write_design",
]

_WHERE = {
    "ConstraintConfig": "vaxmix.mrna.constraints",
    "DesignConfig": "vaxmix.mrna.records",
    "Elements": "vaxmix.mrna.records",
    "MrnaDesign": "vaxmix.mrna.records",
    "default_elements": "vaxmix.mrna.records",
    "design_mrna": "vaxmix.mrna.design",
    "write_design": "vaxmix.mrna.writers",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
