"""Adapters: the embedded (one machine) implementations of the ports in ``pipeline.ports``.

The AWS implementations live next to these and are imported only when the backend is ``aws``.
"""
