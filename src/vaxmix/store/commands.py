"""``vaxmix registry ...`` (init, import, list, export, add-user, audit) and ``vaxmix serve``."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

__all__ = ["register"]

DB_HELP = (
    "registry: a SQLite file path or an SQLAlchemy URL such as "
    "postgresql+psycopg://user@host/db (default $VAXMIX_REGISTRY or ./vaxmix-registry.sqlite)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``registry`` and ``serve`` sub-commands."""
    registry = subparsers.add_parser(
        "registry",
        help="run registry: import run folders, list, export, manage users",
        description="A SQL registry of patients, runs, candidates, review decisions, "
        "versioned designs and an append-only audit log.",
    )
    actions = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)

    init = actions.add_parser("init", help="create or upgrade the registry schema")
    init.add_argument("--db", default=None, help=DB_HELP)
    init.set_defaults(handler=_init)

    imp = actions.add_parser("import", help="import a run folder")
    imp.add_argument("run_dir", metavar="RUN_DIR")
    imp.add_argument("--db", default=None, help=DB_HELP)
    imp.add_argument("--patient", default=None, help="patient id (default: from run.json)")
    imp.add_argument("--sample", default=None, help="tumor sample name (default: from run.json)")
    imp.set_defaults(handler=_import)

    lst = actions.add_parser("list", help="list patients, runs, designs or users")
    lst.add_argument(
        "what", choices=("patients", "runs", "designs", "users"), nargs="?", default="runs"
    )
    lst.add_argument("--db", default=None, help=DB_HELP)
    lst.set_defaults(handler=_list)

    exp = actions.add_parser(
        "export", help="export one run with decisions, designs and audit as JSON"
    )
    exp.add_argument("run_id", type=int, metavar="RUN_ID")
    exp.add_argument("--db", default=None, help=DB_HELP)
    exp.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    exp.add_argument(
        "--evaluated-tsv",
        default=None,
        metavar="FILE",
        help="also write the run's aggregated.tsv with Evaluation set from the reviews "
        "(opens in pVACview)",
    )
    exp.add_argument(
        "--evaluated-class2-tsv",
        default=None,
        metavar="FILE",
        help="also write the run's MHC_Class_II/aggregated.tsv with Evaluation set from the "
        "class II reviews",
    )
    exp.set_defaults(handler=_export)

    user = actions.add_parser("add-user", help="create a local account")
    user.add_argument("username")
    user.add_argument("--role", choices=("viewer", "reviewer", "admin"), default="viewer")
    user.add_argument("--db", default=None, help=DB_HELP)
    user.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user.set_defaults(handler=_add_user)

    audit = actions.add_parser("audit", help="verify the audit log's hash chain")
    audit.add_argument("--db", default=None, help=DB_HELP)
    audit.set_defaults(handler=_audit)

    serve = subparsers.add_parser("serve", help="run the review web app")
    serve.add_argument("--db", default=None, help=DB_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--secure-cookies", action="store_true", help="mark cookies Secure (behind HTTPS)"
    )
    serve.set_defaults(handler=_serve)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _init(args: argparse.Namespace) -> int:
    from vaxmix.store.db import open_registry, registry_url

    open_registry(args.db).close()
    print(f"registry ready: {registry_url(args.db)}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import count_candidates, import_run

    registry = open_registry(args.db)
    try:
        run_id, created = import_run(registry, args.run_dir, _actor(), args.patient, args.sample)
        counts = count_candidates(registry, run_id)
    finally:
        registry.close()
    state = "imported" if created else "was already imported"
    print(f"run {run_id} {state}: {counts['I']} class I, {counts['II']} class II candidates")
    return 0


def _list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from vaxmix.store.db import open_registry
    from vaxmix.store.models import Design, Patient, Run, User

    registry = open_registry(args.db)
    with registry.read() as session:
        if args.what == "patients":
            print("id\tpatient\truns")
            for p in session.scalars(select(Patient).order_by(Patient.id)):
                print(f"{p.id}\t{p.external_id}\t{len(p.runs)}")
        elif args.what == "runs":
            print("id\tpatient\tstatus\tcandidates\timported_at\tpath")
            for r in session.scalars(select(Run).order_by(Run.id)):
                print(
                    f"{r.id}\t{r.patient.external_id}\t{r.status}\t{len(r.candidates)}\t"
                    f"{r.imported_at}\t{r.path}"
                )
        elif args.what == "designs":
            print("id\trun\tversion\tstatus\tcandidates\tapproved_by")
            for d in session.scalars(select(Design).order_by(Design.run_id, Design.version)):
                n = len(d.content.get("candidates", []))
                print(f"{d.id}\t{d.run_id}\t{d.version}\t{d.status}\t{n}\t{d.approved_by or ''}")
        else:
            print("id\tusername\trole\tactive")
            for u in session.scalars(select(User).order_by(User.id)):
                print(f"{u.id}\t{u.username}\t{u.role}\t{u.active}")
    registry.close()
    return 0


def _export(args: argparse.Namespace) -> int:
    from vaxmix.common.atomic import atomic_write
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import NotFound, export_run, write_evaluated_aggregated

    registry = open_registry(args.db)
    try:
        with registry.read() as session:
            try:
                data = export_run(session, args.run_id)
                for out, mhc_class in (
                    (args.evaluated_tsv, "I"),
                    (args.evaluated_class2_tsv, "II"),
                ):
                    if out:
                        decided = write_evaluated_aggregated(session, args.run_id, out, mhc_class)
                        print(f"{out}: {decided} reviewed class {mhc_class} rows", file=sys.stderr)
            except NotFound as exc:
                print(f"vaxmix: error: {exc}", file=sys.stderr)
                return 2
    finally:
        registry.close()
    text = json.dumps(data, indent=1, sort_keys=True, default=str)
    if args.out:
        with atomic_write(args.out, encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import add_user

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.username}: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the two passwords differ", field="password")
    registry = open_registry(args.db)
    try:
        user_id = add_user(registry, args.username, password, args.role, _actor())
    finally:
        registry.close()
    print(f"user {args.username} ({args.role}) created with id {user_id}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from vaxmix.store.audit import verify_chain
    from vaxmix.store.db import open_registry

    registry = open_registry(args.db)
    with registry.read() as session:
        report = verify_chain(session)
    registry.close()
    if report.ok:
        print(f"audit log intact: {report.records} records")
        return 0
    print(f"audit log BROKEN at record {report.first_bad_id}: {report.reason}", file=sys.stderr)
    return 1


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from vaxmix.store.app import create_app
    from vaxmix.store.db import open_registry

    registry = open_registry(args.db)
    app = create_app(registry, secure_cookies=args.secure_cookies)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}; put it behind HTTPS and use --secure-cookies",
            file=sys.stderr,
        )
    uvicorn.run(app, host=args.host, port=args.port, log_level=os.environ.get("VAXMIX_LOG", "info"))
    return 0
