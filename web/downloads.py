"""Sending a private file: as a download, or shown inline in a sandbox for a PDF or an image; never sniffed
into something a browser would run, never cached."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from litestar.datastructures import ETag
from litestar.response import File

from core.platform.downloads import Download

PRIVATE_FILE_HEADERS = {
    "x-content-type-options": "nosniff",
    "cache-control": "private, no-store",
    # Should a browser render it anyway (an old viewer, a mistaken inline), it runs nothing and loads nothing.
    "content-security-policy": "default-src 'none'; sandbox",
    "cross-origin-resource-policy": "same-origin",
}


# A preview (a PDF or an image shown in a tab or in a frame of our own pages): the document is sandboxed (no
# script, no form, its own origin), loads nothing but itself, and only our pages may frame it. The viewer's own
# page needs inline styles (an image centred, a PDF at full size) and may embed the file.
PREVIEW_HEADERS = {
    "x-content-type-options": "nosniff",
    "cache-control": "private, no-store",
    "content-security-policy": ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                                "object-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"),
    "x-frame-options": "SAMEORIGIN",
    "cross-origin-resource-policy": "same-origin",
}


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment` (or `inline`) with an ASCII fallback name and the exact name in RFC 5987 form, for every
    browser."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # Characters that some clients decode or that would end the quoted string.
    ascii_name = "".join("_" if char in '"\\%' or ord(char) < 32 else char for char in ascii_name).strip()
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = "download" + ascii_name
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(download: Download) -> File:
    """The response for a permission-checked download route; the caller has done the checking."""
    return _served(download, "attachment", PRIVATE_FILE_HEADERS)


def preview_response(download: Download) -> File:
    """The file shown inline under PREVIEW_HEADERS; the caller has checked the reader and that it is previewable."""
    return _served(download, "inline", PREVIEW_HEADERS)


def _served(download: Download, disposition: str, extra_headers: dict[str, str]) -> File:
    return File(
        path=download.path,
        filename=download.download_name,
        media_type=download.content_type,
        content_disposition_type=disposition,
        etag=ETag(value=download.sha256),
        # Given in full: Litestar would add "charset=utf-8" to a text type that already names its charset.
        headers={"content-type": download.content_type,
                 "content-disposition": content_disposition(download.download_name, disposition), **extra_headers},
    )
