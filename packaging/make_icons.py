"""Render ``resources/possync.svg`` into every icon file possync ships.

- ``possync_gui/resources/icons/possync-<size>.png`` (16 to 256): the window icon, read at
  run time from beside the package (a checkout, a wheel and the frozen bundle alike), and the
  freedesktop icon the ``.desktop`` file names;
- ``resources/possync.ico`` (Windows executable) and ``resources/possync.icns`` (macOS
  bundle), used only by ``packaging/possync.spec``.

Each size is drawn from the SVG by Qt, not scaled down from a large bitmap, so the small
ones stay sharp. The outputs are committed; run this again only after changing the SVG:

    .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "possync.svg"
PNG_DIR = ROOT / "possync_gui" / "resources" / "icons"
ICO = ROOT / "resources" / "possync.ico"
ICNS = ROOT / "resources" / "possync.icns"
PNG_SIZES = (16, 32, 48, 64, 128, 256)
ICNS_EXTRA = (512, 1024)  # macOS asks for these too; not kept as PNGs


def render(renderer: QSvgRenderer, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels, as PNG bytes."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: Qt could not encode the {size} px icon")
    return bytes(data.data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # read when the app is made
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SVG} is not a valid SVG")
    PNG_DIR.mkdir(parents=True, exist_ok=True)
    images = {}
    for size in PNG_SIZES + ICNS_EXTRA:
        png = render(renderer, size)
        images[size] = Image.open(io.BytesIO(png))
        if size in PNG_SIZES:
            (PNG_DIR / f"possync-{size}.png").write_bytes(png)
    largest = images[256]
    # Pillow writes every size asked for from the first image unless given one of that size.
    largest.save(
        ICO,
        sizes=[(s, s) for s in PNG_SIZES],
        append_images=[images[s] for s in PNG_SIZES if s != 256],
    )
    images[1024].save(ICNS, append_images=[images[s] for s in (16, 32, 64, 128, 256, 512)])
    for path in [*sorted(PNG_DIR.glob("*.png")), ICO, ICNS]:
        print(f"make_icons: {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
