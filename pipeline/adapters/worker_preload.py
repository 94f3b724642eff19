"""Imported only by the local fleet's fork server, never by the product itself: importing this
module is what prepares the parent of every forked worker (``worker_launch.prepare_fork_parent``:
torch and the worker's modules imported, the language detector unpacked), so that
each worker starts with all of it in memory. multiprocessing's fork server can only be told
which modules to import, hence the work at import time.
"""

import os

from pipeline.adapters.worker_launch import preloaded_modules, prepare_fork_parent

prepare_fork_parent(preloaded_modules(os.environ))
