"""Container entry point of a worker (``python worker/main.py [--burst]``)."""

import sys

from pipeline.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["worker", *sys.argv[1:]]))
