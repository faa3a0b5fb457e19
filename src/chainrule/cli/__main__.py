"""``python -m chainrule.cli``: the same as the ``chainrule`` command."""
from __future__ import annotations

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
