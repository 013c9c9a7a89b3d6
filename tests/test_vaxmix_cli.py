import argparse
import subprocess
import sys

from vaxmix.cli import build_parser, main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    assert "COMMAND" in capsys.readouterr().out


def test_no_command_is_usage_error():
    assert main([]) == 2


def test_python_m_vaxmix_version():
    out = subprocess.run(
        [sys.executable, "-m", "vaxmix", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("vaxmix ")



def test_every_command_module_registers():
    """Every stage's sub-commands are registered: none is skipped as "not built"."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    expected = {"run", "demo", "design", "mhc", "mhc2", "mrna", "virus", "trial", "report"}
    expected |= {"registry", "serve", "cohort"}
    assert expected <= set(subparsers.choices)
