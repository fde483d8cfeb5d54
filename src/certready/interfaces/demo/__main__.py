"""``python -m certready.interfaces.demo``: run the demo (see :mod:`certready.interfaces.demo.run`)."""

from __future__ import annotations

import sys

from certready.interfaces.demo.run import main

sys.exit(main())
