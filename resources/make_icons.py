"""Render the application icon (resources/app.svg) into app.png, app.ico and app.icns.

Run from anywhere, with only PySide6 installed:

    python resources/make_icons.py

Re-run it whenever app.svg changes and commit the three outputs; the build and the app use
the committed files, so neither needs this script.

* app.png  - 256x256, for Linux desktops and the window icon fallback.
* app.ico  - Windows: 16/24/32/48 px as 32-bit BMP entries (best understood by every
  Windows shell and resource compiler) and 64/128/256 px as PNG entries (smaller; PNG-in-ICO
  works everywhere since Vista).
* app.icns - macOS: PNG-encoded entries icp4/icp5/ic11/ic12 (16, 32, 32@2x, 64) and
  ic07..ic10 (128, 256, 512, 1024).

Qt can read ICO and ICNS but cannot write a multi-size one, hence the small writers below.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

# Rendering needs no screen; keep the script usable over SSH and in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "app.svg"

ICO_BMP_SIZES = (16, 24, 32, 48)
ICO_PNG_SIZES = (64, 128, 256)
ICNS_ENTRIES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),  # 16@2x
    (b"ic12", 64),  # 32@2x
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic10", 1024),  # 512@2x
)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """Render the SVG into a transparent, non-premultiplied ARGB image of size x size."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    # BMP entries and PNG files store straight (non-premultiplied) alpha.
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    """Encode an image as PNG in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # QImageWriter rather than QImage.save: PySide6's stub for save() wants bytes for the
    # format while the runtime accepts only str, so no spelling satisfies both.
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise RuntimeError(f"PNG encoding failed: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def bmp_icon_bytes(image: QImage) -> bytes:
    """Encode an image as an ICO BMP entry: BITMAPINFOHEADER, BGRA rows bottom-up, AND mask."""
    width, height = image.width(), image.height()
    # The ICO BMP header counts the XOR image and the AND mask together, hence 2 * height.
    header = struct.pack("<IiiHHIIiiII", 40, width, 2 * height, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = bytearray()
    for y in reversed(range(height)):
        for x in range(width):
            # QRgb is 0xAARRGGBB; little-endian packing yields the B, G, R, A bytes BMP wants.
            rows += struct.pack("<I", image.pixel(x, y))
    # Alpha already says what is transparent; the 1-bit mask stays all zero but must exist.
    mask_row = ((width + 31) // 32) * 4
    return header + bytes(rows) + bytes(mask_row * height)


def write_ico(path: Path, entries: list[tuple[int, bytes]]) -> None:
    """Write an ICO file from (size, encoded image) pairs."""
    directory = bytearray(struct.pack("<HHH", 0, 1, len(entries)))
    offset = 6 + 16 * len(entries)
    payload = bytearray()
    for size, data in entries:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        payload += data
    path.write_bytes(bytes(directory + payload))


def write_icns(path: Path, entries: list[tuple[bytes, bytes]]) -> None:
    """Write an ICNS file from (OSType, PNG bytes) pairs; lengths are big-endian."""
    body = b"".join(kind + struct.pack(">I", 8 + len(data)) + data for kind, data in entries)
    path.write_bytes(b"icns" + struct.pack(">I", 8 + len(body)) + body)


def main() -> int:
    """Render every output next to app.svg and report their sizes."""
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"cannot read {SOURCE} (is the QtSvg module installed?)", file=sys.stderr)
        return 1

    cache: dict[int, QImage] = {}

    def at(size: int) -> QImage:
        if size not in cache:
            cache[size] = render(renderer, size)
        return cache[size]

    (HERE / "app.png").write_bytes(png_bytes(at(256)))
    ico = [(s, bmp_icon_bytes(at(s))) for s in ICO_BMP_SIZES]
    ico += [(s, png_bytes(at(s))) for s in ICO_PNG_SIZES]
    write_ico(HERE / "app.ico", ico)
    write_icns(HERE / "app.icns", [(kind, png_bytes(at(s))) for kind, s in ICNS_ENTRIES])

    for name in ("app.png", "app.ico", "app.icns"):
        print(f"{name}: {(HERE / name).stat().st_size} bytes")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
