"""Cleaned copies for blind jurors: every byte that names the author goes, the content stays; zip bombs are refused."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Text
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.platform.files_clean import clean_file
from core.platform.files_content import MAX_INFLATED_BYTES, archive_problem, sniff
from tests.unit.test_files import WORD_TYPE, minimal_docx, minimal_pdf, ooxml

SECRETS = ("Cooperativa Segreta", "12345678901", "Mario Rossi", "Giulia Bianchi", "mario.rossi@segreta.example")


def identifying_pdf(text: str = "Il nostro progetto", *, entity: str = "Cooperativa Segreta",
                    tax_code: str = "12345678901", people: tuple[str, str] = ("Mario Rossi", "Giulia Bianchi"),
                    email: str = "mario.rossi@segreta.example", active: bool = True) -> bytes:
    """A real PDF whose metadata, XMP, annotation and attachment name the applicant, with scripts if `active`."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(minimal_pdf(text))))
    writer.add_metadata({"/Author": people[0], "/Title": f"{entity} - pitch", "/Subject": f"CF {tax_code}",
                         "/Keywords": f"{email}, {people[1]}", "/Creator": entity, "/Producer": f"{entity} PDF"})
    writer.xmp_metadata = (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>'
        f'{people[0]}</rdf:li></rdf:Seq></dc:creator><dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{entity}'
        '</rdf:li></rdf:Alt></dc:rights></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()
    writer.add_annotation(0, Text(rect=(50, 50, 100, 100), text="nota"))
    writer.pages[0]["/Annots"][0].get_object()[NameObject("/T")] = TextStringObject(people[1])
    if active:
        script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject(f"app.alert('{email}');")})
        writer.root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(script)])})})
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc.exe")})
        writer.add_attachment(f"CV {people[0]}.txt", f"curriculum di {people[0]}".encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def every_byte(pdf: bytes) -> bytes:
    """The file as stored and every stream decompressed: a name hidden in a compressed stream still counts."""
    reader = PdfReader(io.BytesIO(pdf))
    found = [pdf]
    for number in range(1, 200):
        try:
            obj = reader.get_object(number)
        except Exception:  # noqa: S112 - numbers past the last object
            continue
        if obj is None:
            continue
        found.append(repr(obj).encode())
        if hasattr(obj, "get_data"):
            found.append(obj.get_data())
    return b"\n".join(found)


def clean(tmp_path: Path, data: bytes, kind: str):
    source, target = tmp_path / f"source.{kind}", tmp_path / f"clean.{kind}"
    source.write_bytes(data)
    report = clean_file(source, target, kind)
    return report, (target.read_bytes() if target.exists() else None)


# -- PDF -------------------------------------------------------------------------------------------


def test_a_cleaned_pdf_keeps_its_page_and_loses_every_identifying_byte(tmp_path):
    original = identifying_pdf()
    assert all(secret.encode() in every_byte(original) for secret in SECRETS)  # the test can fail
    report, cleaned = clean(tmp_path, original, "pdf")
    assert report.error == ""
    content = every_byte(cleaned)
    assert [secret for secret in SECRETS if secret.encode() in content] == []
    assert b"app.alert" not in content and b"calc.exe" not in content and b"curriculum" not in content
    reader = PdfReader(io.BytesIO(cleaned))
    assert reader.pages[0].extract_text() == "Il nostro progetto"
    assert reader.metadata is None and "/Metadata" not in reader.trailer["/Root"]


def test_the_report_lists_what_was_removed_with_its_value(tmp_path):
    report, _cleaned = clean(tmp_path, identifying_pdf(), "pdf")
    removed = {(item.part, item.field): item.value for item in report.removed}
    assert removed[("document_information", "Author")] == "Mario Rossi"
    assert removed[("document_information", "Title")] == "Cooperativa Segreta - pitch"
    assert removed[("document_information", "Subject")] == "CF 12345678901"
    assert removed[("document_information", "Keywords")] == "mario.rossi@segreta.example, Giulia Bianchi"
    assert removed[("xmp", "Creator")] == "Mario Rossi"
    assert removed[("annotation", "Author")] == "Giulia Bianchi"
    assert removed[("embedded_files", "File")] == "CV Mario Rossi.txt"
    assert sorted(report.active) == ["embedded_file", "javascript", "launch"]
    assert report.sha256 and report.size > 0


def test_a_pdf_without_scripts_reports_no_active_content(tmp_path):
    report, _cleaned = clean(tmp_path, identifying_pdf(active=False), "pdf")
    assert report.active == [] and report.removed


def test_a_password_protected_pdf_cannot_be_cleaned(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(identifying_pdf())))
    writer.encrypt(user_password="segreto", owner_password="segreto")
    out = io.BytesIO()
    writer.write(out)
    report, cleaned = clean(tmp_path, out.getvalue(), "pdf")
    assert report.error == "encrypted" and cleaned is None


def test_a_broken_pdf_is_refused_not_served(tmp_path):
    report, cleaned = clean(tmp_path, b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
                            "pdf")
    assert report.error == "unreadable" and cleaned is None


# -- Images ----------------------------------------------------------------------------------------


def test_exif_and_comments_leave_a_jpeg_and_the_picture_stays_upright(tmp_path):
    exif = Image.Exif()
    exif[315] = "Mario Rossi"  # Artist
    exif[270] = "Cooperativa Segreta"  # ImageDescription
    exif[274] = 6  # rotated: the pixels must be turned when the tag goes
    exif[0x8825] = {1: "N", 2: (45.0, 28.0, 0.0), 3: "E", 4: (9.0, 11.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(buffer, "JPEG", exif=exif, comment=b"di Mario Rossi")
    report, cleaned = clean(tmp_path, buffer.getvalue(), "jpg")
    assert b"Rossi" not in cleaned and b"Segreta" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (20, 40) and not image.getexif() and "comment" not in image.info
    removed = {(item.part, item.field): item.value for item in report.removed}
    assert removed[("exif", "Artist")] == "Mario Rossi" and ("exif", "GPSInfo") in removed
    assert removed[("comment", "Comment")] == "di Mario Rossi"


def test_text_chunks_leave_a_png(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Mario Rossi")
    info.add_itxt("Description", "Cooperativa Segreta")
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    report, cleaned = clean(tmp_path, buffer.getvalue(), "png")
    assert b"Rossi" not in cleaned and b"Segreta" not in cleaned and sniff(cleaned).kind == "png"
    assert {(item.field, item.value) for item in report.removed} == {("Author", "Mario Rossi"),
                                                                   ("Description", "Cooperativa Segreta")}


# -- Office documents ------------------------------------------------------------------------------

CORE = ('<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Mario Rossi</dc:creator>'
        '<cp:lastModifiedBy>Giulia Bianchi</cp:lastModifiedBy><dc:title>Statuto Cooperativa Segreta</dc:title>'
        '</cp:coreProperties>')
APP = ('<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
       'extended-properties"><Company>Cooperativa Segreta</Company><Pages>2</Pages></Properties>')
TRACKED = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
           '<w:ins w:id="1" w:author="Mario Rossi" w:date="2024-01-01T00:00:00Z"><w:r><w:t>Statuto</w:t></w:r>'
           '</w:ins></w:p></w:body></w:document>')
COMMENTS = ('<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            '<w:comment w:id="0" w:author="Giulia Bianchi" w:initials="GB"><w:p><w:r><w:t>ok</w:t></w:r></w:p>'
            '</w:comment></w:comments>')


def identifying_docx() -> bytes:
    return ooxml("word/document.xml", WORD_TYPE, {"word/document.xml": TRACKED, "docProps/core.xml": CORE,
                                                  "docProps/app.xml": APP, "word/comments.xml": COMMENTS})


def test_a_docx_loses_its_properties_and_the_authors_of_changes_and_comments(tmp_path):
    report, cleaned = clean(tmp_path, identifying_docx(), "docx")
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        assert b"<w:t>Statuto</w:t>" in archive.read("word/document.xml")
    assert b"Rossi" not in everything and b"Bianchi" not in everything and b"Segreta" not in everything
    assert sniff(cleaned).kind == "docx"
    removed = {(item.part, item.field): item.value for item in report.removed}
    assert removed[("docProps/core.xml", "creator")] == "Mario Rossi"
    assert removed[("docProps/core.xml", "lastModifiedBy")] == "Giulia Bianchi"
    assert removed[("docProps/app.xml", "Company")] == "Cooperativa Segreta"
    assert removed[("word/document.xml", "w:author")] == "Mario Rossi"
    assert removed[("word/comments.xml", "w:initials")] == "GB"


def test_an_odt_loses_its_meta_and_keeps_its_mimetype_first(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                         'xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:annotation>'
                         '<dc:creator>Mario Rossi</dc:creator></office:annotation></office:document-content>',
                         compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
                         'office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
                         '<meta:initial-creator>Giulia Bianchi</meta:initial-creator></office:meta>'
                         '</office:document-meta>', compress_type=zipfile.ZIP_DEFLATED)
    report, cleaned = clean(tmp_path, buffer.getvalue(), "odt")
    assert b"Rossi" not in cleaned and b"Bianchi" not in cleaned and sniff(cleaned).kind == "odt"
    with zipfile.ZipFile(io.BytesIO(cleaned)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert {item.value for item in report.removed} == {"Mario Rossi", "Giulia Bianchi"}


# -- Zip bombs -------------------------------------------------------------------------------------

ZEROS = 1 << 20


def zip_bomb(inflated_mb: int, *, declared_mb: int | None = None) -> bytes:
    """A docx with a member of `inflated_mb` MB of zeros, built without inflating it: the deflate stream of one
    MB of zeros, flushed to a byte boundary, repeats. `declared_mb` makes the headers lie about its size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * ZEROS) + compressor.flush(zlib.Z_FULL_FLUSH)
    bomb = block * inflated_mb + compressor.flush()
    crc = 0
    chunk = b"\0" * (16 * ZEROS)
    for _ in range(inflated_mb // 16):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(b"\0" * ((inflated_mb % 16) * ZEROS), crc)
    size = (declared_mb if declared_mb is not None else inflated_mb) * ZEROS
    members = []
    base = io.BytesIO(minimal_docx())
    with zipfile.ZipFile(base) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            members.append((info.filename.encode(), zlib.crc32(data), zlib.compress(data)[2:-4], len(data)))
    members.append((b"word/media/image1.bin", crc if declared_mb is None else zlib.crc32(b"\0" * size), bomb, size))
    out, directory = bytearray(), bytearray()
    for name, member_crc, data, length in members:
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, member_crc, len(data), length, len(name), 0)
        out += name + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, member_crc, len(data),
                                 length, len(name), 0, 0, 0, 0, 0, offset) + name
    out += directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory),
                                   len(out), 0)
    return bytes(out)


def test_a_real_docx_passes_the_inflation_check():
    assert archive_problem(io.BytesIO(minimal_docx())) is None
    assert archive_problem(io.BytesIO(identifying_docx())) is None


def test_a_member_declaring_900_mb_is_refused_without_inflating_it():
    bomb = zip_bomb(900)
    assert sniff(bomb).kind == "docx"  # a valid package: only its size gives it away
    started = time.perf_counter()
    problem = archive_problem(io.BytesIO(bomb))
    assert problem is not None and problem.code == "inflates_too_much" and problem.limit <= MAX_INFLATED_BYTES
    assert time.perf_counter() - started < 1


def test_a_member_lying_about_its_size_is_caught_by_really_inflating_it():
    bomb = zip_bomb(300, declared_mb=1)  # the headers say 1 MB; the stream says 300
    problem = archive_problem(io.BytesIO(bomb))
    assert problem is not None and problem.code in ("inflates_too_much", "damaged")


@pytest.mark.parametrize("megabytes", [2])
def test_a_small_honest_member_of_zeros_is_within_the_floor(megabytes):
    assert archive_problem(io.BytesIO(zip_bomb(megabytes))) is None
