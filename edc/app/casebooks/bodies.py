"""The wire form of a casebook download: media types and the headers naming the file and its content hash.

The routes take no body, only path parameters (the study, the subject
number or the site code), so this module holds what goes back.
"""

from __future__ import annotations

PDF = "application/pdf"
ZIP = "application/zip"


def download_headers(filename: str, sha256: str) -> dict[str, str]:
    """An attachment named `filename`; a weak ETag of the content's SHA-256 (weak: two generations of unchanged data
    differ in their bytes, the generation time, but not in what they show) and the hash itself."""
    return {"Content-Disposition": f'attachment; filename="{filename}"', "ETag": f'W/"{sha256}"',
            "X-Content-SHA256": sha256}
