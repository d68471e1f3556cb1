"""Locate bundled assets, both in a source checkout and in an installed wheel."""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def assets_dir() -> Path:
    """Return the folder that holds the bundled demo data and icon.

    A wheel carries the assets inside the package; an editable install reads them from the checkout.
    """
    inside = _PACKAGE_DIR / "assets"
    if inside.is_dir():
        return inside
    return _PACKAGE_DIR.parent / "assets"


def asset_path(name: str) -> Path:
    """Return the path of one bundled asset by file name."""
    return assets_dir() / name
