"""``python -m chartkit.metrics PATH``: summary of what was read and what was skipped."""

import sys

from chartkit.metrics import main

sys.exit(main())
