"""Upper-case greetings."""

__version__ = "0.1.0"


def shout(text: str) -> str:
    return text.upper()
