"""A file a permission-checked route sends back: attachments, job results, exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Download:
    """What a permission-checked route needs to send one attachment."""

    path: Path
    download_name: str
    content_type: str
    size: int
    sha256: str
