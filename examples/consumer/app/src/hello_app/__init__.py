"""The consumer example's application."""

__version__ = "0.1.0"
