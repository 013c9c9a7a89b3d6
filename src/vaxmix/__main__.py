"""``python -m vaxmix`` runs the command line."""

import sys

from vaxmix.cli import main

sys.exit(main())
