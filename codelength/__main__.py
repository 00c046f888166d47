"""``python -m codelength``: the same as the ``codelength`` command."""
import sys

from .app.cli import main

if __name__ == "__main__":
    sys.exit(main())
