"""Registry operations shared by the CLI and the web app; every write is audited.

Each write function opens one write transaction, makes its change, appends the audit record in
the same transaction and commits, so a change and its audit record are stored together or not at
all. All SQL goes through SQLAlchemy constructs with bound parameters.

Since issue 18 the operations live in one module per job (users, run_import, review, designs,
queries, exports; refusals in errors); this module re-exports them so that callers keep one
import path.
"""

from __future__ import annotations

from vaxmix.common.errors import InputError
from vaxmix.store.designs import (
    approve_design,
    create_design,
    design_problems,
    edit_design,
)
from vaxmix.store.errors import NotFound, PermissionDenied, RegistryError, check_text, get_row
from vaxmix.store.exports import export_run, export_text, write_evaluated_aggregated
from vaxmix.store.queries import compare_runs, count_candidates
from vaxmix.store.review import (
    MAX_COMMENT_LENGTH,
    accepted_variants,
    current_decisions,
    record_decision,
)
from vaxmix.store.run_import import import_run
from vaxmix.store.users import (
    HASHER_PARAMETERS,
    MIN_PASSWORD_LENGTH,
    USERNAME_PATTERN,
    add_user,
    authenticate,
    revoke_sessions,
    set_password,
)

__all__ = [
    "HASHER_PARAMETERS",
    "MAX_COMMENT_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "USERNAME_PATTERN",
    "InputError",
    "NotFound",
    "PermissionDenied",
    "RegistryError",
    "accepted_variants",
    "add_user",
    "approve_design",
    "authenticate",
    "check_text",
    "compare_runs",
    "count_candidates",
    "create_design",
    "current_decisions",
    "design_problems",
    "edit_design",
    "export_run",
    "export_text",
    "get_row",
    "import_run",
    "record_decision",
    "revoke_sessions",
    "set_password",
    "write_evaluated_aggregated",
]
