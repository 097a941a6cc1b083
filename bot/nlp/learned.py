"""Learned weights over the rules' evidence (written by `gridbot rules train`), used when present."""

from __future__ import annotations

from pathlib import Path


def weights_path(categories_file: Path) -> Path:
    """The weights file lives beside the category rules it was trained with."""
    return Path(categories_file).with_name("weights.json")


def load(path: Path):
    raise NotImplementedError
