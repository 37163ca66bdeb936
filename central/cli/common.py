"""What the subcommands of ``parking-central`` share: the --config option and loading settings."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from central.core.config import Settings, load_settings

DEFAULT_CONFIG = Path("config/central.yaml")


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None, metavar="PATH",
                        help="YAML settings file (default: $PARKING_CENTRAL_CONFIG, else "
                             f"{DEFAULT_CONFIG} when it exists); PARKING_CENTRAL_* variables override it")


def settings_from(args: argparse.Namespace) -> Settings:
    path = args.config or os.environ.get("PARKING_CENTRAL_CONFIG")
    if path is None and DEFAULT_CONFIG.is_file():
        path = DEFAULT_CONFIG
    settings = load_settings(path)
    from central.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    return settings
