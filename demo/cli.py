"""parking-demo: the whole product on one machine (central, broker, one gate, guard page)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="parking-demo", description=__doc__)
    parser.parse_args(argv)
    print("parking-demo: the one-command demo is not built yet (issue 7); see README.md.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
