"""vaxmix.trial — trial analytics: SDTM/ADaM/lesion data → RECIST 1.1 responses, confirmed best
overall response, ORR/DCR/DOR/PFS/OS with exact intervals and Kaplan–Meier, CTCAE safety
tables, dose finding, immune-response rates, figures and an honest Phase I report section.

Public API (see ``docs/trial.md``):

* :func:`analyze_trial` / :func:`write_outputs` — the whole analysis and ``OUT/trial/`` files;
* :func:`derive_adrs`, :func:`derive_adtte`, :func:`derive_adtr`, :func:`write_adam` — CDISC
  ADaM datasets as {admiralonco} derives them (``docs/trial-adam.md``);
* :func:`lesions_from_sdtm`, :func:`lesions_from_csv`, :func:`validate_lesions` — inputs;
* :func:`timepoint_responses`, :func:`best_overall_response`, :class:`RecistConfig` — RECIST;
* :func:`time_to_event`, :func:`kaplan_meier`, :func:`proportion`, :func:`binomial_ci`;
* :func:`build_report`, :func:`render_html`, :func:`rate_endpoint` — for the report stage.
"""

from importlib import import_module

# Lazy exports: ``vaxmix --help`` imports ``vaxmix.trial.commands`` and must not pay for pandas.
_EXPORTS = {
    "AnalysisOptions": "options", "TrialResults": "options", "analyze_trial": "analyze",
    "ResponseRules": "adam", "TteRules": "adam", "derive_adrs": "adam", "derive_adtte": "adam",
    "derive_adtr": "adam", "DateRules": "dates", "write_adam": "export",
    "write_outputs": "outputs", "best_overall_response": "bor",
    "lesions_from_csv": "lesions", "lesions_from_sdtm": "lesions",
    "validate_lesions": "lesions", "RecistConfig": "recist", "timepoint_responses": "recist",
    "SCHEMA": "report", "Claim": "report", "build_report": "report",
    "rate_endpoint": "report", "render_html": "report", "binomial_ci": "stats",
    "kaplan_meier": "stats", "proportion": "stats", "time_to_event": "tte",
}


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(import_module(f"vaxmix.trial.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'vaxmix.trial' has no attribute {name!r}")


__all__ = [
    "SCHEMA",
    "AnalysisOptions",
    "Claim",
    "DateRules",
    "RecistConfig",
    "ResponseRules",
    "TrialResults",
    "TteRules",
    "analyze_trial",
    "best_overall_response",
    "binomial_ci",
    "build_report",
    "derive_adrs",
    "derive_adtr",
    "derive_adtte",
    "kaplan_meier",
    "lesions_from_csv",
    "lesions_from_sdtm",
    "proportion",
    "rate_endpoint",
    "render_html",
    "time_to_event",
    "timepoint_responses",
    "validate_lesions",
    "write_adam",
    "write_outputs",
]
