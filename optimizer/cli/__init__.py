"""The console script ``optimizer`` (``pyproject.toml``: ``optimizer.cli:main``)."""

from .console import main

__all__ = ["main"]
