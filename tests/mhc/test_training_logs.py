"""Training progress goes to the ``vaxmix.mhc`` logger; the train commands show it on stderr."""

from __future__ import annotations

import logging

from vaxmix.mhc.training import LOGGER_NAME, log_progress


def test_log_progress_shows_training_lines_on_stderr_once(capsys):
    logger = logging.getLogger(LOGGER_NAME)
    before = list(logger.handlers), logger.level
    try:
        log_progress()
        log_progress()  # idempotent: one handler, each line printed once
        logging.getLogger("vaxmix.mhc.training.train").info("member 0 epoch 1: val 0.1")
        logging.getLogger("vaxmix.mhc.training.train").debug("not shown")
        err = capsys.readouterr().err
        assert err == "member 0 epoch 1: val 0.1\n"
    finally:
        logger.handlers[:] = before[0]
        logger.setLevel(before[1])


def test_training_modules_do_not_print():
    from pathlib import Path

    import vaxmix.mhc

    root = Path(vaxmix.mhc.__file__).parent
    for path in [*root.joinpath("training").glob("*.py"), root / "classii" / "train.py"]:
        assert "print(" not in path.read_text(), path
