"""Run lossexplorer with ``python -m lossexplorer``."""

from lossexplorer.cli import main

raise SystemExit(main())
