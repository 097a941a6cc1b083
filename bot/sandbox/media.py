"""Media: images made and measured without Pillow, and the files the sandbox keeps.

Photos get PhotoSizes like Telegram's (grey thumbnails, then the uploaded bytes), every file a
file_id and a download path; the bot downloads them through ``/file/bot<TOKEN>/<path>``.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any, Callable

from bot.sandbox.wire import MAX_PHOTO_BYTES, JSONDict, Upload, bad


# ---------------------------------------------------------------------------------------------
# Images: a generated sample and dimension sniffing (no Pillow in the project)


def make_png(width: int, height: int, rgb: tuple[int, int, int] = (70, 130, 180)) -> bytes:
    """A valid solid-colour RGB PNG, so photo tests need no fixture files."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


SAMPLE_PNG = make_png(320, 240)
# Only a placeholder: nothing decodes sticker or voice bytes, they just need to be downloadable.
STICKER_BYTES = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10"


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    kind = data[12:16]
    if kind == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if kind == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if kind == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF, WebP or BMP; None when it is not one of those."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:2] == b"BM" and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return width, abs(height)
    return None


def _extension(data: bytes) -> str:
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return ".png"
    if data[:3] in (b"GIF",):
        return ".gif"
    if data[:4] == b"RIFF":
        return ".webp"
    if data[:2] == b"BM":
        return ".bmp"
    return ".jpg"


_CONTENT_TYPES = {
    ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".bmp": "image/bmp", ".oga": "audio/ogg",
}


def content_type(path: str) -> str:
    """What a stored file is served as, by its path's extension."""
    return _CONTENT_TYPES.get(path[path.rfind(".") :], "application/octet-stream")


# ---------------------------------------------------------------------------------------------
# Stored files


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str
    name: str = ""  # a document's file name and type as the sender gave them
    mime: str = ""

    def file_object(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


class FileStore:
    """Every file the sandbox holds, by file_id and by download path, and each photo's sizes.

    ``number`` hands out the sandbox's running number (file paths share it with callback
    query ids, as they did before the split, so a saved demo goes on numbering the same).
    """

    def __init__(self, number: Callable[[], int]) -> None:
        self._number = number
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self.photos: dict[str, list[JSONDict]] = {}

    def add(self, data: bytes, folder: str, extension: str, kind: str, *, name: str = "",
            mime: str = "") -> StoredFile:
        number = self._number()
        prefix = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}.get(kind, "BAAC")
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            file_path=f"{folder}/file_{number}{extension}",
            data=data,
            kind=kind,
            name=name,
            mime=mime,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored

    def add_photo(self, data: bytes) -> list[JSONDict]:
        """PhotoSizes like Telegram's: thumbnails up to 90/320/800 px, then the original."""
        dimensions = image_size(data)
        if not dimensions or min(dimensions) <= 0:
            raise bad("IMAGE_PROCESS_FAILED")
        width, height = dimensions
        sizes = []
        for limit in (90, 320, 800):
            if max(width, height) > limit:
                scale = limit / max(width, height)
                w, h = max(1, round(width * scale)), max(1, round(height * scale))
                sizes.append((self.add(make_png(w, h, (128, 128, 128)), "photos", ".png", "photo"), w, h))
        sizes.append((self.add(data, "photos", _extension(data), "photo"), width, height))
        photo = [
            {
                "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "width": w, "height": h, "file_size": len(stored.data),
            }
            for stored, w, h in sizes
        ]
        for size in photo:
            self.photos[size["file_id"]] = photo
        return copy.deepcopy(photo)

    def input_photo(self, params: JSONDict) -> list[JSONDict]:
        """The ``photo`` a send names: an upload (attach:// too) or a photo's file_id."""
        value: Any = params.get("photo")
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[len("attach://") :])
        if isinstance(value, Upload):
            if len(value.data) > MAX_PHOTO_BYTES:
                raise bad("PHOTO_INVALID_DIMENSIONS")
            return self.add_photo(value.data)
        if not isinstance(value, str) or not value:
            raise bad("there is no photo in the request")
        if re.match(r"^https?://", value):
            raise bad("failed to get HTTP URL content")
        if value in self.photos:
            return copy.deepcopy(self.photos[value])
        if value in self.by_id:
            raise bad(f"can't use file of type {self.by_id[value].kind.title()} as Photo")
        raise bad("wrong file identifier/HTTP URL specified")

    def add_document(self, data: bytes, name: str, mime: str) -> StoredFile:
        """A document keeps its name and type, and its path the name's extension (as Telegram's)."""
        extension = os.path.splitext(name)[1].lower()
        safe = extension if re.fullmatch(r"\.[a-z0-9]{1,8}", extension) else ""
        return self.add(data, "documents", safe, "document", name=name, mime=mime)

    def content(self, file_id: str) -> tuple[bytes, str] | None:
        """A stored file's bytes and content type."""
        stored = self.by_id.get(file_id)
        if stored is None:
            return None
        return stored.data, stored.mime or content_type(stored.file_path)

    def name(self, file_id: str) -> str | None:
        """A document's file name (None for photos and the rest: they are shown, not saved)."""
        stored = self.by_id.get(file_id)
        return stored.name or None if stored is not None and stored.kind == "document" else None

    def export(self) -> JSONDict:
        """The files and photos as JSON-ready rows (the demo keeps its chats between runs)."""
        return {
            "files": [
                {
                    "file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_path": f.file_path,
                    "kind": f.kind, "data": base64.b64encode(f.data).decode("ascii"),
                    "name": f.name, "mime": f.mime,
                }
                for f in self.by_id.values()
            ],
            "photos": [[file_id, sizes] for file_id, sizes in self.photos.items()],
        }

    def restore(self, state: JSONDict) -> None:
        """Take back what export() wrote."""
        for row in state.get("files", []):
            stored = StoredFile(row["file_id"], row["file_unique_id"], row["file_path"],
                                base64.b64decode(row["data"]), row["kind"], row.get("name", ""), row.get("mime", ""))
            self.by_id[stored.file_id] = stored
            self.by_path[stored.file_path] = stored
        for file_id, sizes in state.get("photos", []):
            self.photos[file_id] = sizes
