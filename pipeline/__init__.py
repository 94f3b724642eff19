"""Comment Sentiment Pipeline: label the sentiment of large files of comments."""

from __future__ import annotations

__version__ = "0.1.0"
