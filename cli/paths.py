"""Where the command line keeps its data when no option says otherwise."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_data_dir(name: str) -> Path:
    # core.settings (pydantic) only here: the dashboard's start-up does not wait for it.
    from core.settings import APP_NAME

    return Path(platformdirs.user_data_dir(APP_NAME)) / name
