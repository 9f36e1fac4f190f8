"""``python -m sim`` runs the ``tradewar`` command line."""

import sys

from sim.cli import main

sys.exit(main())
