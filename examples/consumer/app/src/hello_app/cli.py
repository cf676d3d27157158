"""Entry point: greets, loudly, with the local dependency."""

import argparse

from shout import shout


def main() -> int:
    parser = argparse.ArgumentParser(prog="hello-app", description="Greets someone, loudly.")
    parser.add_argument("--name", default="world", help="who to greet")
    args = parser.parse_args()
    print(shout(f"Hello, {args.name}!"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
