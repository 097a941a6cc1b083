"""A sample photo for the demo's "send a sample photo": drawn here (no image files, no Pillow)
so the chats show something to look at."""

from __future__ import annotations

import math
import struct
import zlib


def sample_photo(width: int = 480, height: int = 360) -> bytes:
    """A loose manhole cover on a pavement, as a PNG: something to look at in the chats."""
    cx, cy, radius = width * 0.52, height * 0.56, min(width, height) * 0.3
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            # Pavement tiles with a little grain.
            grain = ((x * 7919 + y * 104729) % 23) - 11
            seam = x % 80 < 2 or y % 60 < 2
            base = 150 if not seam else 118
            r = g = b = base + grain
            b += 6
            dx, dy = x - cx, (y - cy) * 1.25
            d = math.hypot(dx, dy)
            if d < radius * 1.08:
                r, g, b = 92, 92, 96  # the frame
            if d < radius:
                # The cover, tilted: darker on one side, with a cross-hatch pattern.
                shade = int(40 + 30 * (dx / radius))
                hatch = (int((x + y) / 9) % 2) * 10 + (int((x - y) / 9) % 2) * 10
                r, g, b = shade + hatch + 10, shade + hatch + 6, shade + hatch
                if abs(d - radius * 0.62) < 2.5:
                    r, g, b = r + 30, g + 30, b + 30
            if radius * 0.98 < d < radius * 1.08 and dx > 0 and dy < 0:
                r, g, b = 20, 20, 20  # the gap where it has lifted
            row += bytes((max(0, min(255, r)), max(0, min(255, g)), max(0, min(255, b))))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


_SAMPLE_PHOTO: bytes | None = None


def cached_sample_photo() -> bytes:
    """The sample at its default size, drawn on first use (it takes a moment)."""
    global _SAMPLE_PHOTO
    if _SAMPLE_PHOTO is None:
        _SAMPLE_PHOTO = sample_photo()
    return _SAMPLE_PHOTO
