"""``vaxmix registry ...`` (init, import, list, export, add-user, set-password, revoke-sessions,
audit) and ``vaxmix serve``."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

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
    for add in (
        _add_init,
        _add_import,
        _add_list,
        _add_export,
        _add_add_user,
        _add_set_password,
        _add_revoke_sessions,
        _add_audit,
    ):
        add(actions)
    _add_serve(subparsers)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", default=None, help=DB_HELP)


def _add_init(actions: argparse._SubParsersAction) -> None:
    init = actions.add_parser("init", help="create or upgrade the registry schema")
    _db_option(init)
    init.set_defaults(handler=_init)


def _add_import(actions: argparse._SubParsersAction) -> None:
    imp = actions.add_parser("import", help="import a run folder")
    imp.add_argument("run_dir", metavar="RUN_DIR")
    _db_option(imp)
    imp.add_argument("--patient", default=None, help="patient id (default: from run.json)")
    imp.add_argument("--sample", default=None, help="tumor sample name (default: from run.json)")
    imp.set_defaults(handler=_import)


def _add_list(actions: argparse._SubParsersAction) -> None:
    lst = actions.add_parser("list", help="list patients, runs, designs or users")
    lst.add_argument(
        "what", choices=("patients", "runs", "designs", "users"), nargs="?", default="runs"
    )
    _db_option(lst)
    lst.set_defaults(handler=_list)


#: ``registry export``'s evaluated aggregated tables: option -> what it writes.
EVALUATED_TSV_OPTIONS = {
    "--evaluated-tsv": "also write the run's aggregated.tsv with Evaluation set from the reviews "
    "(opens in pVACview)",
    "--evaluated-class2-tsv": "also write the run's MHC_Class_II/aggregated.tsv with Evaluation "
    "set from the class II reviews",
    "--evaluated-fusion-tsv": "also write the run's fusions/MHC_Class_I/aggregated.tsv "
    "(pVACfuse) with Evaluation set from the gene-fusion class I reviews",
    "--evaluated-fusion-class2-tsv": "also write fusions/MHC_Class_II/aggregated.tsv with "
    "Evaluation from the gene-fusion class II reviews",
}


def _add_export(actions: argparse._SubParsersAction) -> None:
    exp = actions.add_parser(
        "export", help="export one run with decisions, designs and audit as JSON"
    )
    exp.add_argument("run_id", type=int, metavar="RUN_ID")
    _db_option(exp)
    exp.add_argument("-o", "--out", default=None, help="output file (default: stdout)")
    for option, what in EVALUATED_TSV_OPTIONS.items():
        exp.add_argument(option, default=None, metavar="FILE", help=what)
    exp.set_defaults(handler=_export)


def _add_add_user(actions: argparse._SubParsersAction) -> None:
    _add_password_command(actions, "add-user", "create a local account", _add_user, with_role=True)


def _add_set_password(actions: argparse._SubParsersAction) -> None:
    _add_password_command(
        actions,
        "set-password",
        "set a user's password (signs the user out everywhere)",
        _set_password,
    )


def _add_password_command(
    actions: argparse._SubParsersAction,
    name: str,
    help_text: str,
    handler: Callable[[argparse.Namespace], int],
    with_role: bool = False,
) -> None:
    """A sub-command that sets a user's password (read by ``_read_password``)."""
    command = actions.add_parser(name, help=help_text)
    command.add_argument("username")
    if with_role:
        command.add_argument("--role", choices=("viewer", "reviewer", "admin"), default="viewer")
    _db_option(command)
    command.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    command.set_defaults(handler=handler)


def _add_revoke_sessions(actions: argparse._SubParsersAction) -> None:
    revoke = actions.add_parser(
        "revoke-sessions", help="sign a user out everywhere (revoke every live session)"
    )
    revoke.add_argument("username")
    _db_option(revoke)
    revoke.set_defaults(handler=_revoke_sessions)


def _add_audit(actions: argparse._SubParsersAction) -> None:
    audit = actions.add_parser("audit", help="verify the audit log's hash chain")
    _db_option(audit)
    audit.set_defaults(handler=_audit)


def _add_serve(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="run the review web app")
    _db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--secure-cookies", action="store_true", help="mark cookies Secure (behind HTTPS)"
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDR",
        help="address or network (10.0.0.0/8) of a reverse proxy whose X-Forwarded-For names "
        "the client, for the sign-in throttle; repeatable. Without it the header is ignored",
    )
    serve.add_argument(
        "--login-concurrency",
        type=int,
        default=2,
        metavar="N",
        help="password checks (argon2id, ~64 MiB each) run at once (default 2)",
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


@contextlib.contextmanager
def _new_file_removed_on_error(db: str | None) -> Iterator[None]:
    """Remove a SQLite registry this command created if the command fails (no empty file)."""
    from vaxmix.store.db import sqlite_path

    path = sqlite_path(db)
    existed = path is None or path.exists()
    try:
        yield
    except BaseException:
        if not existed:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        raise


def _import(args: argparse.Namespace) -> int:
    from vaxmix.common.errors import InputError
    from vaxmix.common.runfolder import RunFolder
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import count_candidates, import_run

    folder = RunFolder(Path(args.run_dir))
    if not folder.root.is_dir():
        raise InputError("run folder not found", path=folder.root)
    if not folder.run_json.is_file():
        raise InputError("not a vaxmix run folder: run.json is missing", path=folder.root)
    with _new_file_removed_on_error(args.db):
        registry = open_registry(args.db)
        try:
            run_id, created = import_run(
                registry, args.run_dir, _actor(), args.patient, args.sample
            )
            counts = count_candidates(registry, run_id)
        finally:
            registry.close()
    state = "imported" if created else "was already imported"
    fusion1, fusion2 = counts.get("fusion I", 0), counts.get("fusion II", 0)
    extra = f", {fusion1} class I and {fusion2} class II gene-fusion" if fusion1 + fusion2 else ""
    print(f"run {run_id} {state}: {counts['I']} class I, {counts['II']} class II{extra} candidates")
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
    from vaxmix.store.service import NotFound, export_text, write_evaluated_aggregated

    registry = _open_existing(args.db)
    try:
        with registry.read() as session:
            try:
                text = export_text(session, args.run_id)
                for out, mhc_class, kind in (
                    (args.evaluated_tsv, "I", "snv/indel"),
                    (args.evaluated_class2_tsv, "II", "snv/indel"),
                    (args.evaluated_fusion_tsv, "I", "fusion"),
                    (args.evaluated_fusion_class2_tsv, "II", "fusion"),
                ):
                    if out:
                        decided = write_evaluated_aggregated(
                            session, args.run_id, out, mhc_class, kind
                        )
                        what = f"{'fusion ' if kind == 'fusion' else ''}class {mhc_class}"
                        print(f"{out}: {decided} reviewed {what} rows", file=sys.stderr)
            except NotFound as exc:
                print(f"vaxmix: error: {exc}", file=sys.stderr)
                return 2
    finally:
        registry.close()
    if args.out:
        with atomic_write(args.out, encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _read_password(username: str, from_stdin: bool, command: str) -> str:
    """The new password: one line of standard input, or asked twice on the terminal.

    Without a terminal (a script, a pipe, a container without ``-t``) ``getpass`` cannot ask:
    say so and name ``--password-stdin`` instead of failing with ``EOFError``.
    """
    from vaxmix.common.errors import InputError

    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("no password on standard input", field="--password-stdin")
        return line.rstrip("\r\n")
    no_terminal = InputError(
        "no terminal to ask for the password; pipe it instead: "
        f"printf '%s\\n' \"$PASSWORD\" | vaxmix registry {command} {username} --password-stdin",
        field="--password-stdin",
    )
    if not sys.stdin.isatty():
        raise no_terminal
    try:
        password = getpass.getpass(f"password for {username}: ")
        again = getpass.getpass("again: ")
    except EOFError:
        raise no_terminal from None
    if again != password:
        raise InputError("the two passwords differ", field="password")
    return password


def _add_user(args: argparse.Namespace) -> int:
    from vaxmix.store.db import open_registry
    from vaxmix.store.service import add_user

    password = _read_password(args.username, args.password_stdin, "add-user")
    registry = open_registry(args.db)
    try:
        user_id = add_user(registry, args.username, password, args.role, _actor())
    finally:
        registry.close()
    print(f"user {args.username} ({args.role}) created with id {user_id}")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    from vaxmix.store.service import set_password

    password = _read_password(args.username, args.password_stdin, "set-password")
    registry = _open_existing(args.db)
    try:
        revoked = set_password(registry, args.username, password, _actor())
    finally:
        registry.close()
    print(f"password of {args.username} changed; {revoked} live session(s) revoked")
    return 0


def _revoke_sessions(args: argparse.Namespace) -> int:
    from vaxmix.store.service import revoke_sessions

    registry = _open_existing(args.db)
    try:
        revoked = revoke_sessions(registry, args.username, _actor())
    finally:
        registry.close()
    print(f"{args.username}: {revoked} live session(s) revoked")
    return 0


def _open_existing(db: str | None):
    """Open a registry that must exist already (refuse to create an empty one)."""
    from vaxmix.common.errors import InputError
    from vaxmix.store.db import open_registry, registry_exists, registry_url

    if not registry_exists(db):
        raise InputError(
            f"no registry at {registry_url(db)}: create it with `vaxmix registry init`, "
            "then add a user with `vaxmix registry add-user NAME --role reviewer`",
            field="--db",
        )
    return open_registry(db)


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

    from vaxmix.common.errors import InputError
    from vaxmix.store.app import create_app
    from vaxmix.store.db import registry_url
    from vaxmix.store.limits import HashGate
    from vaxmix.store.security import TrustedProxies

    try:
        trusted = TrustedProxies.parse(args.trusted_proxy)
    except ValueError as exc:
        raise InputError(str(exc), field="--trusted-proxy") from exc
    if args.login_concurrency < 1:
        raise InputError("must be at least 1", field="--login-concurrency")
    registry = _open_existing(args.db)
    if not _has_users(registry):
        registry.close()
        raise InputError(
            f"the registry at {registry_url(args.db)} has no users, so nobody could sign in: "
            "add one with `vaxmix registry add-user NAME --role reviewer`",
            field="--db",
        )
    app = create_app(
        registry,
        secure_cookies=args.secure_cookies,
        trusted_proxies=trusted,
        hash_gate=HashGate(concurrency=args.login_concurrency),
    )
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}; put it behind HTTPS and use --secure-cookies",
            file=sys.stderr,
        )
    uvicorn.run(app, **serve_options(args.host, args.port))
    return 0


def serve_options(host: str, port: int) -> dict:
    """uvicorn settings of ``vaxmix serve``.

    ``proxy_headers`` is off: uvicorn would otherwise take the client address from
    X-Forwarded-For of any peer in ``FORWARDED_ALLOW_IPS`` (127.0.0.1 by default), letting a
    local client rotate it past the sign-in throttle; the app reads the header itself, and only
    from ``--trusted-proxy`` peers.
    """
    return {
        "host": host,
        "port": port,
        "log_level": os.environ.get("VAXMIX_LOG", "info"),
        "proxy_headers": False,
        "server_header": False,
    }


def _has_users(registry) -> bool:  # noqa: ANN001 (Registry, imported lazily)
    from sqlalchemy import func, select

    from vaxmix.store.models import User

    with registry.read() as session:
        return bool(session.scalar(select(func.count()).select_from(User)))
