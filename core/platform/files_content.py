"""What an uploaded file really is, judged by its bytes, and what it may safely be called.

A file's name says nothing about its content: the kind comes from magic bytes (through `filetype`),
and for zip-based office documents from the package's own declaration of its main part, so that a
plain zip, a macro-enabled workbook or a renamed archive is never taken for a DOCX or an ODT.
Pure functions on bytes or an open binary file; no database, no event loop.
"""

from __future__ import annotations

import codecs
import copy
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

import filetype


@dataclass(frozen=True)
class Kind:
    """A kind of file a form field may accept: its short name, served type and usual extensions."""

    name: str
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to download names that lack it


OOXML = "application/vnd.openxmlformats-officedocument."
ODF = "application/vnd.oasis.opendocument."

KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("pdf", "application/pdf", (".pdf",)),
    Kind("png", "image/png", (".png",)),
    Kind("jpg", "image/jpeg", (".jpg", ".jpeg")),
    Kind("docx", OOXML + "wordprocessingml.document", (".docx",)),
    Kind("xlsx", OOXML + "spreadsheetml.sheet", (".xlsx",)),
    Kind("pptx", OOXML + "presentationml.presentation", (".pptx",)),
    Kind("odt", ODF + "text", (".odt",)),
    Kind("ods", ODF + "spreadsheet", (".ods",)),
    Kind("odp", ODF + "presentation", (".odp",)),
    Kind("txt", "text/plain; charset=utf-8", (".txt",)),
)}
KIND_ALIASES = {"jpeg": "jpg"}

# Kinds recognised by their leading bytes alone, named as `filetype` names them.
SIGNATURE_KINDS = ("pdf", "png", "jpg")

# The main part an OOXML package declares in [Content_Types].xml says what the package is.
# Macro-enabled and template variants get names of their own so that a refusal can say what was found.
OOXML_MAIN_PARTS = {
    OOXML + "wordprocessingml.document.main+xml": "docx",
    OOXML + "spreadsheetml.sheet.main+xml": "xlsx",
    OOXML + "presentationml.presentation.main+xml": "pptx",
    OOXML + "wordprocessingml.template.main+xml": "dotx",
    OOXML + "spreadsheetml.template.main+xml": "xltx",
    OOXML + "presentationml.template.main+xml": "potx",
    OOXML + "presentationml.slideshow.main+xml": "ppsx",
    "application/vnd.ms-word.document.macroenabled.main+xml": "docm",
    "application/vnd.ms-excel.sheet.macroenabled.main+xml": "xlsm",
    "application/vnd.ms-powerpoint.presentation.macroenabled.main+xml": "pptm",
}
OPC_CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
ODF_MIMETYPES = {
    ODF + "text": "odt",
    ODF + "spreadsheet": "ods",
    ODF + "presentation": "odp",
    ODF + "text-template": "ott",
    ODF + "spreadsheet-template": "ots",
    ODF + "presentation-template": "otp",
    ODF + "graphics": "odg",
}

HEAD_BYTES = 8192
ZIP_LOCAL_HEADER = b"PK\x03\x04"
ZIP_END_RECORD = b"PK\x05\x06"
# Office documents have tens or hundreds of members; a huge central directory is an attack on memory.
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_DIRECTORY_BYTES = 2 * 1024 * 1024
MAX_MANIFEST_BYTES = 512 * 1024
TEXT_CHUNK = 64 * 1024
# What an office document may unpack to: its real inflated size is counted, member by member, not read
# from the headers alone. A zip bomb compresses a gigabyte of zeros into a megabyte; real documents
# (XML and already-compressed images) stay far below these ratios.
MAX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_INFLATION_RATIO = 200
INFLATION_FLOOR = 16 * 1024 * 1024
INFLATE_CHUNK = 1024 * 1024
ZIP_KINDS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp"})
TEXT_CONTROLS = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f"} | {"\x7f"}


def accepted_kinds(accept: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The kind names a field accepts, aliases resolved; an unknown name is a mistake in the form."""
    names = []
    for raw in accept:
        name = KIND_ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if name not in KINDS:
            raise ValueError(f"unknown file kind {raw!r}; known kinds: {', '.join(KINDS)}")
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError("a file field must accept at least one kind")
    return tuple(names)


@dataclass(frozen=True)
class Sniffed:
    """What the bytes are: one of KINDS (or None), the type to serve, and a name for what was found."""

    kind: str | None
    content_type: str
    found: str | None


def detect_kind(content: bytes | BinaryIO) -> str | None:
    """The kind of the whole file (bytes, or a seekable binary file), or None when it is none of KINDS.

    The whole file rather than its first bytes: a zip's directory sits at its end, and text is
    text only if every byte of it is.
    """
    return sniff(content).kind


def sniff(content: bytes | BinaryIO) -> Sniffed:
    """Identify the file; `found` names what it is even when it is not a kind we accept (gif, zip, docm)."""
    file = io.BytesIO(content) if isinstance(content, bytes | bytearray | memoryview) else content
    file.seek(0)
    head = file.read(HEAD_BYTES)
    if head.startswith(ZIP_LOCAL_HEADER):
        found = _zip_document(file)
        if found in KINDS:
            return Sniffed(found, KINDS[found].content_type, found)
        return Sniffed(None, "", found or "zip")
    guessed = filetype.guess(head) if head else None
    if guessed is not None and guessed.extension in SIGNATURE_KINDS:
        return Sniffed(guessed.extension, KINDS[guessed.extension].content_type, guessed.extension)
    # Text before the other signatures: some are two letters ("BM" for a bitmap) that prose can begin with.
    charset = _text_charset(file) if head else None
    if charset == "utf-8":
        return Sniffed("txt", KINDS["txt"].content_type, "txt")
    if charset is not None:
        return Sniffed("txt", f"text/plain; charset={charset}", "txt")
    return Sniffed(None, "", guessed.extension if guessed is not None else None)


def _zip_document(file: BinaryIO) -> str | None:
    """The document a zip declares itself to be (docx, odt, docm…), or None for any other zip."""
    if not _zip_directory_is_modest(file):
        return None
    try:
        with zipfile.ZipFile(file) as archive:
            names = {name.lower() for name in archive.namelist()}
            # ODF puts its type in a `mimetype` member; OOXML in the content types manifest.
            if "mimetype" in names:
                declared = _read_member(archive, "mimetype", 200).strip().decode("ascii", "replace")
                return ODF_MIMETYPES.get(declared)
            if "[content_types].xml" in names:
                return _ooxml_main_part(_read_member(archive, "[Content_Types].xml", MAX_MANIFEST_BYTES), names)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError,
            ValueError, KeyError):
        # Corrupt, encrypted or using an unsupported compression: not a document we can vouch for.
        return None
    return None


def _zip_directory_is_modest(file: BinaryIO) -> bool:
    """Check the end record before zipfile builds an object per member of a hostile directory."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    tail_size = min(size, 22 + 65535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(ZIP_END_RECORD)
    if at < 0 or at + 22 > len(tail):
        return False
    members = int.from_bytes(tail[at + 10:at + 12], "little")
    directory_bytes = int.from_bytes(tail[at + 12:at + 16], "little")
    return members <= MAX_ZIP_MEMBERS and directory_bytes <= MAX_ZIP_DIRECTORY_BYTES


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most `limit` decompressed bytes of a member: a bomb inflates no further than that."""
    info = next(i for i in archive.infolist() if i.filename.lower() == name.lower())
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} is larger than {limit} bytes")
    return data


def _ooxml_main_part(manifest: bytes, names: set[str]) -> str | None:
    # OPC forbids DTDs; refusing them outright also rules out entity expansion tricks.
    if b"<!DOCTYPE" in manifest or b"<!ENTITY" in manifest:
        return None
    try:
        root = ElementTree.fromstring(manifest)  # noqa: S314 - no DTD (checked above), bounded size
    except ElementTree.ParseError:
        return None
    if root.tag != f"{OPC_CONTENT_TYPES}Types":
        return None
    found = set()
    for override in root.iter(f"{OPC_CONTENT_TYPES}Override"):
        kind = OOXML_MAIN_PARTS.get(override.get("ContentType", "").strip().lower())
        part = override.get("PartName", "").lstrip("/").lower()
        if kind is not None and part in names:
            found.add(kind)
    return found.pop() if len(found) == 1 else None


def _text_charset(file: BinaryIO) -> str | None:
    """utf-8 or windows-1252 when every byte is text in that encoding (no NUL, no stray controls)."""
    for charset in ("utf-8", "windows-1252"):
        decoder = codecs.getincrementaldecoder(charset)(errors="strict")
        file.seek(0)
        try:
            while chunk := file.read(TEXT_CHUNK):
                if not TEXT_CONTROLS.isdisjoint(decoder.decode(chunk)):
                    return None
            if not TEXT_CONTROLS.isdisjoint(decoder.decode(b"", final=True)):
                return None
        except UnicodeDecodeError:
            continue
        return charset
    return None


@dataclass(frozen=True)
class ArchiveProblem:
    """Why a zip-based document is refused: `inflates_too_much` (past `limit` bytes) or `damaged`."""

    code: str
    limit: int = 0


def inflated_limit(compressed_size: int) -> int:
    """How far a zip of this size may unpack: a ratio of its size, with a floor for small files and a ceiling."""
    return min(MAX_INFLATED_BYTES, max(INFLATION_FLOOR, compressed_size * MAX_INFLATION_RATIO))


def archive_problem(file: BinaryIO) -> ArchiveProblem | None:
    """None when every member of the zip really inflates within the limit and to the size it declares.

    The declared sizes are summed first (cheap, and enough for an honest bomb); then every member is
    inflated in chunks and counted, reading past its declared size, so that a header that lies about
    the size is caught too. Nothing is kept in memory beyond one chunk.
    """
    file.seek(0, io.SEEK_END)
    limit = inflated_limit(file.tell())
    if not _zip_directory_is_modest(file):
        return ArchiveProblem("damaged")
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > limit:
                return ArchiveProblem("inflates_too_much", limit)
            total = 0
            for info in members:
                # Open with a declared size just past what is left, so that the real stream decides.
                probe = copy.copy(info)
                probe.file_size = limit - total + 1
                inflated = 0
                with archive.open(probe) as member:
                    while chunk := member.read(INFLATE_CHUNK):
                        inflated += len(chunk)
                        if total + inflated > limit:
                            return ArchiveProblem("inflates_too_much", limit)
                if inflated != info.file_size:
                    return ArchiveProblem("damaged")
                total += inflated
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError,
            ValueError, KeyError):
        # A wrong checksum (the stream went on past the declared size), encryption, an unknown compression.
        return ArchiveProblem("damaged")
    return None


# Kinds a browser may show inline (a preview beside the scoring form): viewers that run no script of the file's.
PREVIEW_KINDS = ("pdf", "png", "jpg")


def previewable(content_type: str) -> bool:
    """Whether a file stored under this type is one a browser may show inline; its bytes are checked when served."""
    return kind_of_content_type(content_type) in PREVIEW_KINDS


def preview_kind(head: bytes, content_type: str) -> str | None:
    """The kind to show inline when the stored type is a previewable one and the leading bytes agree, else None."""
    kind = kind_of_content_type(content_type)
    if kind not in PREVIEW_KINDS:
        return None
    guessed = filetype.guess(head) if head else None
    return kind if guessed is not None and guessed.extension == kind else None


def kind_of_content_type(content_type: str) -> str | None:
    """The kind stored under a content type (ignoring its charset)."""
    base = content_type.split(";", 1)[0].strip().lower()
    return next((kind.name for kind in KINDS.values() if kind.content_type.split(";", 1)[0] == base), None)


# -- Names -----------------------------------------------------------------------------------------

MAX_FILENAME_LENGTH = 150
FALLBACK_STEM = "file"
WINDOWS_FORBIDDEN = str.maketrans({char: "_" for char in '<>:"/\\|?*'})
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789¹²³"}
)
EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}\Z")
# Extensions that, when wrong for the content, are replaced rather than kept in front of the right one.
KNOWN_EXTENSIONS = frozenset(
    ext for kind in KINDS.values() for ext in kind.extensions
) | {".doc", ".xls", ".ppt", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".zip", ".rar", ".7z",
     ".rtf", ".csv", ".htm", ".html", ".exe", ".odg", ".pages", ".numbers", ".key", ".docm", ".xlsm", ".pptm"}


def split_extension(name: str) -> tuple[str, str]:
    """("relazione finale", ".pdf"); a name without a short alphanumeric suffix has no extension."""
    match = EXTENSION.search(name)
    if match is None or match.start() == 0:
        return name, ""
    return name[:match.start()], name[match.start():]


def sanitise_filename(name: str) -> str:
    """A name safe to show and to offer for saving on any system; never empty, extension kept when cut."""
    name = unicodedata.normalize("NFC", name)
    # The browser may send a whole path (old IE, drag and drop): keep only the last part, either separator.
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in ("Zs", "Zl", "Zp") or char in "\t\n\r\v\f":
            kept.append(" ")
        elif category[0] != "C":  # controls, format marks (bidi overrides), surrogates, unassigned
            kept.append(char)
    name = " ".join("".join(kept).translate(WINDOWS_FORBIDDEN).split())
    # Leading dots hide files or climb directories; Windows drops trailing dots and spaces.
    name = name.lstrip(". ").rstrip(". ")
    if name.split(".", 1)[0].strip().upper() in WINDOWS_RESERVED:
        name = "_" + name
    stem, extension = split_extension(name)
    if len(name) > MAX_FILENAME_LENGTH:
        cut = MAX_FILENAME_LENGTH - len(extension)
        while cut > 0 and unicodedata.combining(stem[cut]):  # never part a letter from its accent
            cut -= 1
        stem = stem[:cut].rstrip(". ")
    if not stem.strip(" ._"):
        stem = FALLBACK_STEM
    return stem + extension


def download_name(filename: str, kind: str) -> str:
    """The name to save under: the sanitised name with the extension the content really has."""
    name = sanitise_filename(filename)
    stem, extension = split_extension(name)
    wanted = KINDS[kind].extensions
    if extension.lower() in wanted:
        return name
    if extension.lower() in KNOWN_EXTENSIONS:
        name = stem
    return sanitise_filename(name + wanted[0])
