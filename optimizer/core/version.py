"""The package's version, apart from its face so that any layer can name it."""

__version__ = "0.1.0"
