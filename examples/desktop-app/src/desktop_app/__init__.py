"""The example desktop application."""

__version__ = "1.0.0"
