"""The registry commands a new user runs first (issue 16 item 5): ``serve`` without a registry
or without users, ``add-user`` without a terminal, ``import`` of a missing folder."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from vaxmix.cli import main


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if ``vaxmix serve`` would start serving."""
    import uvicorn

    def refuse(*_args, **_kwargs) -> None:
        raise AssertionError("uvicorn.run was called")

    monkeypatch.setattr(uvicorn, "run", refuse)


def test_serve_without_a_registry_refuses_and_creates_nothing(
    tmp_path: Path, capsys, no_server
) -> None:
    db = tmp_path / "missing.sqlite"
    assert main(["serve", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "no registry at" in err
    assert "vaxmix registry init" in err and "vaxmix registry add-user" in err
    assert not db.exists() and list(tmp_path.iterdir()) == []


def test_serve_a_registry_without_users_refuses(tmp_path: Path, capsys, no_server) -> None:
    db = tmp_path / "empty.sqlite"
    assert main(["registry", "init", "--db", str(db)]) == 0
    assert main(["serve", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "no users" in err and "vaxmix registry add-user" in err


def test_serve_checks_its_trusted_proxy_values(tmp_path: Path, capsys, no_server) -> None:
    db = tmp_path / "r.sqlite"
    main(["registry", "init", "--db", str(db)])
    assert main(["serve", "--db", str(db), "--trusted-proxy", "proxy.example"]) == 2
    assert "--trusted-proxy" in capsys.readouterr().err


def test_add_user_without_a_terminal_names_password_stdin(tmp_path: Path) -> None:
    """As in a script or ``docker exec`` without ``-t``: stdin is not a terminal (here
    /dev/null, a real subprocess so that getpass sees no tty)."""
    db = tmp_path / "r.sqlite"
    result = subprocess.run(
        [sys.executable, "-m", "vaxmix", "registry", "add-user", "rita", "--db", str(db)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "--password-stdin" in result.stderr and "no terminal" in result.stderr
    assert "Traceback" not in result.stderr and "EOFError" not in result.stderr


def test_add_user_on_a_terminal_that_closes_names_password_stdin(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    class ClosedTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def eof(_prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("sys.stdin", ClosedTerminal(""))
    monkeypatch.setattr(getpass, "getpass", eof)
    assert main(["registry", "add-user", "rita", "--db", str(tmp_path / "r.sqlite")]) == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_add_user_password_stdin_empty_is_a_clear_error(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    db = tmp_path / "r.sqlite"
    assert main(["registry", "add-user", "rita", "--db", str(db), "--password-stdin"]) == 2
    assert "no password on standard input" in capsys.readouterr().err


def test_import_of_a_missing_folder_leaves_no_database(tmp_path: Path, capsys) -> None:
    db = tmp_path / "r.sqlite"
    assert main(["registry", "import", str(tmp_path / "nope"), "--db", str(db)]) == 2
    assert "run folder not found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_import_that_fails_later_removes_the_database_it_created(
    tmp_path: Path, designed_run_copy: Path, capsys
) -> None:
    hcc1395_run = designed_run_copy  # a real run folder, broken on purpose below
    (hcc1395_run / "aggregated.tsv").write_text("ID\tIndex\n1\n")  # no Gene/Tier columns
    db = tmp_path / "r.sqlite"
    assert main(["registry", "import", str(hcc1395_run), "--db", str(db)]) == 2
    assert "required column is missing" in capsys.readouterr().err
    assert not db.exists() and not Path(f"{db}-wal").exists()
    # An existing registry is kept when an import into it fails.
    main(["registry", "init", "--db", str(db)])
    assert main(["registry", "import", str(hcc1395_run), "--db", str(db)]) == 2
    assert db.exists()
