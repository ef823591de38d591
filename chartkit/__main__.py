"""``python -m chartkit ...``: the same as the ``chartkit`` command."""

import sys

from chartkit.cli import main

sys.exit(main())
