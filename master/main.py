"""Container entry point of the master (``python master/main.py [--exit-when-idle S]``)."""

import sys

from pipeline.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["master", *sys.argv[1:]]))
