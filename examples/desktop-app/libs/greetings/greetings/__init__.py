"""Greeting phrases: a local dependency package of the example application."""

__version__ = "0.3.0"


def greet(name: str) -> str:
    """Return the greeting the application prints."""
    return f"Hello, {name}!"
