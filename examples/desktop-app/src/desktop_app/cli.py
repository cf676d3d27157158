"""Entry point: prints a greeting from the local dependency and the versions in use."""

import argparse
import platform

import greetings

from desktop_app import __version__


def main() -> int:
    parser = argparse.ArgumentParser(prog="desktop-app", description="Example desktop application.")
    parser.add_argument("--name", default="world", help="who to greet")
    args = parser.parse_args()
    print(greetings.greet(args.name))
    print(f"desktop-app {__version__} (greetings {greetings.__version__}, Python {platform.python_version()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
