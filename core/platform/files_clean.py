"""A copy of an uploaded document without what names its author or runs by itself.

PDFs go through pypdf: the document information (Author, Title, Subject, Keywords, Creator,
Producer…), XMP metadata streams, JavaScript, launch and other active actions, embedded files,
XFA forms and the authors of annotations are removed. Images go through Pillow, which writes the
pixels again without EXIF (camera, owner, GPS), XMP, comments or text chunks. Office documents
keep their content and lose their properties (docProps in OOXML, meta.xml in OpenDocument) and
the author names on comments and tracked changes. Each cleaning says what it removed, with the
values, so that organisers can see what blind jurors were spared.
Pure functions on files; no database, no event loop.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from core.platform.files_content import MAX_INFLATED_BYTES, archive_problem

CLEANER_VERSION = 1
MAX_VALUE_CHARS = 300
MAX_REPORTED = 200  # removed items listed; a document with thousands of annotations is summarised
MAX_IMAGE_PIXELS = 50_000_000
MAX_PROPERTY_PART_BYTES = 2 * 1024 * 1024

OFFICE_KINDS = ("docx", "xlsx", "pptx", "odt", "ods", "odp")
IMAGE_KINDS = ("png", "jpg")

# Error codes (the organiser's page translates them).
ENCRYPTED = "encrypted"
UNREADABLE = "unreadable"
TOO_LARGE = "too_large"


@dataclass(frozen=True)
class Removed:
    """One thing taken out: where it was (a part of the file), its name there, and its value."""

    part: str
    field: str
    value: str


@dataclass
class CleanReport:
    """What cleaning found and removed; `error` (a code) when no safe copy could be made."""

    kind: str
    removed: list[Removed] = field(default_factory=list)
    # Active content removed: javascript, launch, submit_form, import_data, embedded_file, xfa, additional_actions.
    active: list[str] = field(default_factory=list)
    error: str = ""
    version: int = CLEANER_VERSION
    # The cleaned copy's own digest and size (its ETag must not be the original's).
    sha256: str = ""
    size: int = 0

    def remove(self, part: str, name: str, value: Any) -> None:
        if len(self.removed) < MAX_REPORTED:
            text = value if isinstance(value, str) else _text(value)
            self.removed.append(Removed(part=part, field=name, value=" ".join(text.split())[:MAX_VALUE_CHARS]))

    def found_active(self, what: str) -> None:
        if what not in self.active:
            self.active.append(what)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CleanReport:
        return cls(kind=data.get("kind", ""), removed=[Removed(**r) for r in data.get("removed", [])],
                   active=list(data.get("active", [])), error=data.get("error", ""),
                   version=int(data.get("version", 0)), sha256=data.get("sha256", ""), size=int(data.get("size", 0)))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(_text(v) for v in value.values())
    return str(value)


def clean_file(source: Path, target: Path, kind: str) -> CleanReport:
    """Write a cleaned copy of `source` (of `kind`) to `target`; the report says what went and whether it worked.

    Kinds with nothing to remove (plain text) are copied as they are. On an error no target is written.
    """
    report = CleanReport(kind=kind)
    try:
        if kind == "pdf":
            data = _clean_pdf(source, report)
        elif kind in IMAGE_KINDS:
            data = _clean_image(source, kind, report)
        elif kind in OFFICE_KINDS:
            data = _clean_office(source, kind, report)
        else:
            data = source.read_bytes()
    except _Refused as refused:
        report.error = refused.code
        return report
    except Exception:  # any failure of a parser on hostile input means "no safe copy"
        report.error = UNREADABLE
        return report
    target.write_bytes(data)
    report.sha256 = hashlib.sha256(data).hexdigest()
    report.size = len(data)
    return report


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- PDF -------------------------------------------------------------------------------------------

# Actions that run something, send something or open another file; links (/URI) and page jumps stay.
ACTIVE_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/SubmitForm": "submit_form",
                  "/ImportData": "import_data", "/GoToE": "embedded_file", "/RichMediaExecute": "javascript"}
ACTION_KEYS = ("/A", "/OpenAction", "/Next")
# Markup annotations carry their author in /T; on a form field (/Widget) /T is the field's name.
NOT_AUTHORED_ANNOTATIONS = ("/Widget", "/Link")


def _clean_pdf(source: Path, report: CleanReport) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import FileNotDecryptedError

    reader = PdfReader(source, strict=False)
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise _Refused(ENCRYPTED)
        except (FileNotDecryptedError, NotImplementedError) as error:
            raise _Refused(ENCRYPTED) from error
    info = reader.metadata
    if info:
        for key, value in info.items():
            report.remove("document_information", str(key).lstrip("/"), _pdf_text(value))
    _report_xmp(reader, report)
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None  # no /Info at all: not even pypdf's own Producer
    root = writer.root_object
    if "/Metadata" in root:
        del root["/Metadata"]
    _strip_pdf_objects(root, report)
    # Removing references leaves the objects behind them in the writer: drop what is no longer reachable,
    # repeating because an orphan can be the last thing pointing at another.
    before = -1
    while before != (count := sum(obj is not None for obj in writer._objects)):
        before = count
        writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    _check_clean_pdf(data)
    return data


def _pdf_text(value: Any) -> str:
    try:
        value = value.get_object()
    except AttributeError:
        pass
    return str(value)


def _report_xmp(reader, report: CleanReport) -> None:
    root = reader.trailer["/Root"].get_object()
    if "/Metadata" not in root:
        return
    fields = ("dc_creator", "dc_title", "dc_description", "dc_subject", "dc_publisher", "dc_contributor",
              "dc_rights", "pdf_keywords", "pdf_producer", "xmp_creator_tool")
    before = len(report.removed)
    try:
        xmp = reader.xmp_metadata
        for name in fields if xmp is not None else ():
            try:
                value = getattr(xmp, name)
            except Exception:  # noqa: S112 - a malformed property is skipped, the stream still goes
                continue
            if value:
                report.remove("xmp", name.split("_", 1)[1].replace("_", " ").title().replace(" ", ""), value)
    except Exception:  # noqa: S110 - unreadable XMP is removed all the same
        pass
    if len(report.removed) == before:
        report.remove("xmp", "Metadata", "XMP")


def _strip_pdf_objects(root, report: CleanReport) -> None:
    """Walk every object reachable from the catalogue once, removing metadata, active content and authors."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            _strip_pdf_dictionary(obj, report)
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _resolved(value):
    try:
        return value.get_object()
    except AttributeError:
        return value


def _strip_pdf_dictionary(d, report: CleanReport) -> None:
    """Everything in one PDF dictionary that names people or runs something, removed and reported."""
    _strip_private_data(d, report)
    _strip_actions(d, report)
    _strip_names_and_forms(d, report)
    _strip_annotation_author(d, report)


def _strip_private_data(d, report: CleanReport) -> None:
    if "/Metadata" in d:  # XMP on a page, an image, a font
        report.remove("xmp", "Metadata", "XMP")
        del d["/Metadata"]
    if "/PieceInfo" in d:  # private data of the application that wrote the file
        report.remove("document_information", "PieceInfo", "")
        del d["/PieceInfo"]


def _strip_actions(d, report: CleanReport) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject

    if "/AA" in d:  # additional actions: run on opening a page, focusing a field, closing the document
        report.found_active("additional_actions")
        del d["/AA"]
    if "/JS" in d:
        report.found_active("javascript")
        del d["/JS"]
    for key in ACTION_KEYS:
        if key not in d:
            continue
        value = _resolved(d[key])
        if isinstance(value, DictionaryObject) and value.get("/S") in ACTIVE_ACTIONS:
            report.found_active(ACTIVE_ACTIONS[value["/S"]])
            del d[key]
        elif isinstance(value, ArrayObject) and key == "/Next":
            kept = [a for a in value if not (isinstance(_resolved(a), DictionaryObject)
                                              and _resolved(a).get("/S") in ACTIVE_ACTIONS)]
            if len(kept) != len(value):
                report.found_active("javascript")
                d[key] = ArrayObject(kept)
    if "/S" in d and d.get("/S") in ACTIVE_ACTIONS:
        # An action reached some other way (an outline item's chain): neutralise it in place.
        report.found_active(ACTIVE_ACTIONS[d["/S"]])
        for key in ("/JS", "/F", "/Win", "/Mac", "/Unix", "/P"):
            if key in d:
                del d[key]


def _strip_names_and_forms(d, report: CleanReport) -> None:
    from pypdf.generic import DictionaryObject

    names = _resolved(d.get("/Names")) if "/Names" in d else None
    if isinstance(names, DictionaryObject):
        if "/JavaScript" in names:
            report.found_active("javascript")
            del names["/JavaScript"]
        if "/EmbeddedFiles" in names:
            report.found_active("embedded_file")
            for name in _embedded_file_names(names["/EmbeddedFiles"]):
                report.remove("embedded_files", "File", name)
            del names["/EmbeddedFiles"]
    form = _resolved(d.get("/AcroForm")) if "/AcroForm" in d else None
    if isinstance(form, DictionaryObject) and "/XFA" in form:
        report.found_active("xfa")
        del form["/XFA"]


def _strip_annotation_author(d, report: CleanReport) -> None:
    subtype = d.get("/Subtype")
    if "/Rect" in d and subtype is not None and subtype not in NOT_AUTHORED_ANNOTATIONS:
        if "/T" in d:
            report.remove("annotation", "Author", _pdf_text(d["/T"]))
            del d["/T"]
        if subtype == "/FileAttachment" and "/FS" in d:
            report.found_active("embedded_file")
            report.remove("embedded_files", "File", _filespec_name(d["/FS"]))
            del d["/FS"]


def _embedded_file_names(tree) -> Iterator[str]:
    """The names in an embedded files name tree (bounded: a hostile tree is not walked forever)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    stack, seen = [tree], 0
    while stack and seen < MAX_REPORTED:
        node = _resolved(stack.pop())
        seen += 1
        if not isinstance(node, DictionaryObject):
            continue
        pairs = _resolved(node.get("/Names"))
        if isinstance(pairs, ArrayObject):
            for index in range(1, len(pairs), 2):
                yield _filespec_name(pairs[index]) or _pdf_text(pairs[index - 1])
        kids = _resolved(node.get("/Kids"))
        if isinstance(kids, ArrayObject):
            stack.extend(kids)


def _filespec_name(spec) -> str:
    spec = _resolved(spec)
    try:
        return _pdf_text(spec.get("/UF") or spec.get("/F") or "")
    except AttributeError:
        return _pdf_text(spec)


def _check_clean_pdf(data: bytes) -> None:
    """Read the copy back: no document information, no XMP, no document JavaScript. Never serve a doubt."""
    from pypdf import PdfReader

    check = PdfReader(io.BytesIO(data), strict=False)
    root = check.trailer["/Root"].get_object()
    names = _resolved(root.get("/Names")) if "/Names" in root else {}
    if (check.metadata or "/Metadata" in root or ("/OpenAction" in root and _is_active(root["/OpenAction"]))
            or "/JavaScript" in (names or {}) or "/EmbeddedFiles" in (names or {})):
        raise _Refused(UNREADABLE)


def _is_active(action) -> bool:
    action = _resolved(action)
    return hasattr(action, "get") and action.get("/S") in ACTIVE_ACTIONS


# -- Images ----------------------------------------------------------------------------------------

PNG_TEXT_KEYS = ("Author", "Title", "Description", "Copyright", "Comment", "Software", "Source", "Disclaimer",
                 "Creation Time", "Warning")


def _clean_image(source: Path, kind: str, report: CleanReport) -> bytes:
    from PIL import ExifTags, Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(source) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise _Refused(TOO_LARGE)
            image.load()
            exif = image.getexif()
            orientation = exif.get(ExifTags.Base.Orientation, 1)
            for tag, value in exif.items():
                if tag == ExifTags.IFD.GPSInfo:
                    report.remove("exif", "GPSInfo", _gps_text(exif.get_ifd(ExifTags.IFD.GPSInfo)))
                    continue
                if tag in (ExifTags.IFD.Exif, ExifTags.IFD.Interop):
                    for sub_tag, sub_value in exif.get_ifd(tag).items():
                        report.remove("exif", ExifTags.TAGS.get(sub_tag, f"0x{sub_tag:04x}"), _exif_text(sub_value))
                    continue
                report.remove("exif", ExifTags.TAGS.get(tag, f"0x{tag:04x}"), _exif_text(value))
            for key, value in image.info.items():
                if key in ("xmp", "XML:com.adobe.xmp"):
                    report.remove("xmp", "Metadata", "XMP")
                elif key == "comment" and value:
                    report.remove("comment", "Comment", _text(value))
                elif key in ("photoshop", "iptc"):
                    report.remove("iptc", "IPTC", "")
            for key, value in (getattr(image, "text", None) or {}).items():
                report.remove("png_text", key, value)
            icc = image.info.get("icc_profile")  # colours, not people: kept
            out = io.BytesIO()
            if kind == "jpg":
                if orientation in (None, 1):
                    image.save(out, "JPEG", quality="keep", subsampling="keep", icc_profile=icc, comment=b"",
                               exif=b"")
                else:
                    # The orientation tag goes with EXIF: turn the pixels instead, so the picture stays upright.
                    ImageOps.exif_transpose(image).save(out, "JPEG", quality=95, icc_profile=icc, comment=b"",
                                                        exif=b"")
            else:
                upright = image if orientation in (None, 1) else ImageOps.exif_transpose(image)
                upright.save(out, "PNG", icc_profile=icc, optimize=False)
    return out.getvalue()


def _exif_text(value: Any) -> str:
    if isinstance(value, bytes):
        text = value.decode("utf-16-le" if value[1:2] == b"\x00" else "utf-8", "replace")
        return text.rstrip("\x00")
    return _text(value)


def _gps_text(gps: dict) -> str:
    lat, lon = gps.get(2), gps.get(4)
    if lat and lon:
        return f"{gps.get(1, '')} {_text(lat)}, {gps.get(3, '')} {_text(lon)}"
    return "GPS"


# -- Office documents ------------------------------------------------------------------------------

OOXML_PROPERTIES = {
    "docprops/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'),
    "docprops/app.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'),
    "docprops/custom.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'),
}
ODF_META = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
            '<office:meta/></office:document-meta>')
# Author names on comments and tracked changes in the content parts: (parts, pattern); each pattern's
# `value` group is a person's name or id, emptied in the copy.
AUTHOR_FIELDS = (
    (re.compile(r"^word/[^/]+\.xml$"),
     re.compile(rb'\s(?P<name>(?:w|w15):(?:author|initials|userId))="(?P<value>[^"]*)"')),
    (re.compile(r"^xl/comments\d*\.xml$"), re.compile(rb"<(?P<name>author)>(?P<value>[^<]*)</author>")),
    (re.compile(r"^xl/persons/person\.xml$"), re.compile(rb'\s(?P<name>displayName|userId)="(?P<value>[^"]*)"')),
    (re.compile(r"^ppt/(commentauthors|authors)\.xml$"),
     re.compile(rb'\s(?P<name>name|initials|userId)="(?P<value>[^"]*)"')),
    (re.compile(r"^(content|styles)\.xml$"), re.compile(rb"<(?P<name>dc:creator)>(?P<value>[^<]*)</dc:creator>")),
)


def _clean_office(source: Path, kind: str, report: CleanReport) -> bytes:
    with source.open("rb") as file:
        if archive_problem(file) is not None:
            raise _Refused(TOO_LARGE)
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w") as cleaned:
                total = 0
                for info in archive.infolist():
                    data = _read_limited(archive, info, MAX_INFLATED_BYTES - total)
                    total += len(data)
                    name = info.filename.lower()
                    if name in OOXML_PROPERTIES and kind in ("docx", "xlsx", "pptx"):
                        _report_properties(data, info.filename, report)
                        data = OOXML_PROPERTIES[name].encode()
                    elif name == "meta.xml" and kind in ("odt", "ods", "odp"):
                        _report_properties(data, info.filename, report)
                        data = ODF_META.encode()
                    else:
                        data = _without_authors(data, info.filename, report)
                    member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                    member.compress_type = info.compress_type
                    member.external_attr = info.external_attr
                    cleaned.writestr(member, data)
    return out.getvalue()


def _read_limited(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise _Refused(TOO_LARGE)
    return data


def _report_properties(data: bytes, part: str, report: CleanReport) -> None:
    """Each property the part held, by its local name, with its value."""
    if len(data) > MAX_PROPERTY_PART_BYTES or b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        report.remove(part, "properties", "")
        return
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - no DTD (checked above), bounded size
    except ElementTree.ParseError:
        report.remove(part, "properties", "")
        return
    for element in root.iter():
        if element is root:
            continue
        name = element.tag.rsplit("}", 1)[-1]
        text = (element.text or "").strip()
        label = element.get("name") or element.get("{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}name")
        if text:
            report.remove(part, f"{name} ({label})" if label else name, text)


def _without_authors(data: bytes, part: str, report: CleanReport) -> bytes:
    name = part.lower()
    for parts, pattern in AUTHOR_FIELDS:
        if not parts.match(name):
            continue

        def emptied(match: re.Match) -> bytes:
            if match.group("value").strip():
                report.remove(part, match.group("name").decode("ascii", "replace"),
                              match.group("value").decode("utf-8", "replace"))
            whole, at = match.group(0), match.start()
            return whole[:match.start("value") - at] + whole[match.end("value") - at:]

        data = pattern.sub(emptied, data)
    return data
