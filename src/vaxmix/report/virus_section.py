"""The virus section of the report: ``virus/panel.json`` and its figures."""

from __future__ import annotations

import base64
from typing import Any

from vaxmix.report.loaders import LoadedRun

__all__ = ["virus_section"]


def virus_rows(panel: dict[str, Any] | None, key: str) -> list[dict[str, Any]]:
    """Virus records under ``key`` of ``panel.json`` (``picks``, ``rejections``:
    :meth:`vaxmix.virus.select.VirusPanel.to_dict`)."""
    rows = (panel or {}).get(key)
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def virus_notes(panel: dict[str, Any] | None) -> list[str]:
    panel = panel or {}
    notes = [str(n) for n in panel.get("notes") or []]
    notes += [f"missing input: {m}" for m in panel.get("missing_inputs") or []]
    return notes


def virus_plots(folder: LoadedRun) -> list[tuple[str, str, str]]:
    """(id, title, data URI) of the virus stage's SVG figures (shown as images: no script)."""
    titles = {
        "dose_response": "Dose-response curves (ex vivo plate, 4PL fits)",
        "receptor_heatmap": "Virus entry receptors in the tumor RNA (TPM)",
    }
    return [
        (f"virus-{name}", titles.get(name, name),
         "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii"))
        for name, data in folder.virus_plots.items()
    ]  # fmt: skip


def virus_section(folder: LoadedRun) -> dict[str, Any]:
    """The panel's picks, rejections and notes, whether it is simulated, and its figures."""
    panel = folder.virus_panel
    return {
        "virus": panel,
        "virus_rows": virus_rows(panel, "picks"),
        "virus_rejections": virus_rows(panel, "rejections"),
        "virus_notes": virus_notes(panel),
        "virus_simulated": (str((panel or {}).get("data_origin") or "simulated data")
                            if (panel or {}).get("simulated") else None),
        "virus_plots": virus_plots(folder),
    }
