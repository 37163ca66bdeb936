"""``python -m central.cli`` is ``parking-central``."""

import sys

from central.cli import main

sys.exit(main())
