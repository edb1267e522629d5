"""The README.txt each export carries: what the files are and which conventions they follow."""
from __future__ import annotations

import zipfile

from nerf_labeling.formats.zip_writing import write_member

DEPTH_NOTE = (
    "Depth maps are 16-bit grayscale PNG in millimetres (value / 1000 = metres), z-depth along the\n"
    "camera's optical axis (not distance along the ray); 0 means no depth; depths beyond 65.535 m\n"
    "are clipped to 65535. They come from the radiance field, not from a sensor.\n"
)


def write_readme(archive: zipfile.ZipFile, title: str, body: str, *, depth: bool) -> None:
    text = f"{title}\n{'=' * len(title)}\n\n{body.strip()}\n"
    if depth:
        text += "\n" + DEPTH_NOTE
    write_member(archive, "README.txt", text)
