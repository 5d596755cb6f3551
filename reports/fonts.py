"""The documents use one serif with every Vietnamese glyph: Liberation Serif (Debian `fonts-liberation2`).

The check runs before any rendering: a missing font must stop the command with an explanation,
never produce a PDF where letters fall back to another font or print as boxes.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

FONT_FAMILY = "Liberation Serif"
REQUIRED_STYLES = ("Regular", "Bold", "Italic", "Bold Italic")
INSTALL_HINT = "apt-get install fonts-liberation2"


class FontMissingError(RuntimeError):
    """Raised when Liberation Serif (with Vietnamese coverage) is not installed."""


def _fc_list(pattern: str) -> list[str]:
    if shutil.which("fc-list") is None:
        raise FontMissingError(
            "Không tìm thấy lệnh fc-list (fontconfig) để kiểm tra phông chữ. "
            "Cài đặt: apt-get install fontconfig fonts-liberation2"
        )
    out = subprocess.run(
        ["fc-list", pattern, "style"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    return [line.strip() for line in out.splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def _check_cached() -> tuple[str, ...]:
    # lang=vi keeps only the faces whose charset covers Vietnamese (liberation2 does, the old
    # `fonts-liberation` 1.x does not).
    lines = _fc_list(f":family={FONT_FAMILY}:lang=vi")
    found: set[str] = set()
    for line in lines:
        styles = line.split("style=", 1)[-1].split(",")
        found.update(s.strip() for s in styles)
    missing = tuple(s for s in REQUIRED_STYLES if s not in found)
    return missing


def check_fonts() -> None:
    """Raise FontMissingError (message in Vietnamese and English) unless every style is installed."""
    missing = _check_cached()
    if missing:
        _check_cached.cache_clear()
        raise FontMissingError(
            f"Thiếu phông chữ {FONT_FAMILY} có đủ chữ tiếng Việt (kiểu: {', '.join(missing)}); "
            f"không thể in văn bản mà không bị lỗi chữ. Cài đặt: {INSTALL_HINT}\n"
            f"Missing font {FONT_FAMILY} with Vietnamese coverage (styles: {', '.join(missing)}). "
            f"Install it with: {INSTALL_HINT}"
        )
