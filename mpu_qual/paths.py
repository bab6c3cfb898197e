"""Where mpu-qual keeps per-user files (model cache, settings).

``MPU_QUAL_HOME`` overrides the location so tests never touch the real home folder.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "MPU_QUAL_HOME"


def user_dir() -> Path:
    """The per-user data folder, created on first use with mode 0700."""
    env = os.environ.get(ENV_HOME)
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "mpu-qual"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def models_dir() -> Path:
    """Folder for Whisper models the user downloaded or copied in."""
    path = user_dir() / "models"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
