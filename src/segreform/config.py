"""Where segreform keeps its data, and which database it talks to."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DATABASE_URL_ENV = "SEGREFORM_DATABASE_URL"
DATA_DIR_ENV = "SEGREFORM_DATA_DIR"


def data_dir() -> Path:
    """The user's segreform data directory (created on demand)."""
    path = Path(os.environ.get(DATA_DIR_ENV) or user_data_dir("segreform", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``SEGREFORM_DATABASE_URL`` if set (e.g. PostgreSQL), else SQLite in the data directory."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'segreform.sqlite'}"
