"""File kinds are told by content, not by name; names are made safe to show and to save anywhere."""

from __future__ import annotations

import io
import struct
import unicodedata
import zipfile
import zlib

import pytest

from core.applications.attachments import accepted_kinds, detect_kind, download_name, sanitise_filename
from core.platform.files_content import KINDS, MAX_FILENAME_LENGTH, MAX_ZIP_MEMBERS, preview_kind, previewable, sniff

# -- Real minimal files, built here so that every byte is accounted for ----------------------------


def minimal_pdf(text: str = "Pitch deck") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def minimal_png(width: int = 2, height: int = 2) -> bytes:
    """A grey PNG written chunk by chunk with zlib and struct."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))  # filter byte, then grey pixels
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def minimal_jpeg() -> bytes:
    """A baseline 8x8 grey JPEG: one Huffman code per table, so the scan is two zero bits."""

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    single_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
            + segment(0xC4, b"\x00" + single_code)
            + segment(0xC4, b"\x10" + single_code)
            + segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x3f\xff\xd9")


CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="{main}"/></Relationships>')


def ooxml(main_part: str, main_type: str, parts: dict[str, str], *, content_types_first: bool = True,
          declared_part: str | None = None) -> bytes:
    """An OOXML package with a proper [Content_Types].xml naming its main part."""
    content_types = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{CONTENT_TYPES_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{declared_part or main_part}" ContentType="{main_type}"/></Types>')
    members = {"_rels/.rels": RELS.format(main=main_part), main_part: parts.pop(main_part), **parts}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types_first:
            archive.writestr("[Content_Types].xml", content_types)
        for name, text in members.items():
            archive.writestr(name, text)
        if not content_types_first:
            archive.writestr("[Content_Types].xml", content_types)
    return buffer.getvalue()


WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
WORD_DOCUMENT = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                 '<w:body><w:p><w:r><w:t>Statuto</w:t></w:r></w:p></w:body></w:document>')


def minimal_docx(**kwargs) -> bytes:
    return ooxml("word/document.xml", WORD_TYPE, {"word/document.xml": WORD_DOCUMENT}, **kwargs)


def minimal_xlsx() -> bytes:
    workbook = ('<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Budget" sheetId="1" r:id="rId1"/></sheets></workbook>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData><row r="1"><c r="A1"><v>42</v></c></row></sheetData></worksheet>')
    return ooxml("xl/workbook.xml", SHEET_TYPE, {"xl/workbook.xml": workbook, "xl/worksheets/sheet1.xml": sheet})


def minimal_odf(mimetype: str) -> bytes:
    """An OpenDocument package: the uncompressed `mimetype` member first, as the standard requires."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", '<office:document-content xmlns:office='
                         '"urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>', compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", '<manifest:manifest xmlns:manifest='
                         '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>', compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def plain_zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


# -- Kinds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "kind"), [
    (minimal_pdf(), "pdf"),
    (minimal_png(), "png"),
    (minimal_jpeg(), "jpg"),
    (minimal_docx(), "docx"),
    (minimal_docx(content_types_first=False), "docx"),  # the directory is read, not the first member
    (minimal_xlsx(), "xlsx"),
    (minimal_odf("application/vnd.oasis.opendocument.text"), "odt"),
    (minimal_odf("application/vnd.oasis.opendocument.spreadsheet"), "ods"),
    ("Relazione finale: perché sì, è così.\r\n".encode(), "txt"),
    (b"BMW e altri partner\n", "txt"),  # "BM" opens a bitmap's signature too
], ids=["pdf", "png", "jpg", "docx", "docx-manifest-last", "xlsx", "odt", "ods", "txt", "txt-bm"])
def test_detect_kind_by_content(content, kind):
    assert detect_kind(content) == kind
    assert detect_kind(io.BytesIO(content)) == kind


def test_a_zip_with_word_folders_but_no_content_types_is_not_a_docx():
    fake = plain_zip({"word/document.xml": WORD_DOCUMENT, "_rels/.rels": RELS.format(main="word/document.xml")})
    assert detect_kind(fake) is None
    assert sniff(fake).found == "zip"


def test_a_package_declaring_a_main_part_it_does_not_contain_is_not_a_docx():
    assert detect_kind(minimal_docx(declared_part="word/elsewhere.xml")) is None


def test_a_macro_enabled_document_is_named_for_what_it_is():
    docm = ooxml("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml",
                 {"word/document.xml": WORD_DOCUMENT})
    assert detect_kind(docm) is None
    assert sniff(docm).found == "docm"


def test_a_manifest_with_a_dtd_is_refused_before_parsing():
    bomb = ('<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            f'<Types xmlns="{CONTENT_TYPES_NS}"><Override PartName="/word/document.xml" '
            f'ContentType="{WORD_TYPE}"/></Types>')
    package = plain_zip({"[Content_Types].xml": bomb, "word/document.xml": WORD_DOCUMENT})
    assert detect_kind(package) is None


def test_a_truncated_docx_is_not_a_docx():
    docx = minimal_docx()
    assert detect_kind(docx[: len(docx) // 2]) is None  # the directory at the end is gone


def test_a_package_with_a_hostile_number_of_members_is_not_opened():
    def package(members: int) -> bytes:
        parts = {"word/document.xml": WORD_DOCUMENT} | {f"word/media/{n}.xml": "" for n in range(members)}
        return ooxml("word/document.xml", WORD_TYPE, parts)

    assert detect_kind(package(100)) == "docx"
    assert detect_kind(package(MAX_ZIP_MEMBERS)) is None


def test_an_odf_template_is_not_an_odt():
    template = minimal_odf("application/vnd.oasis.opendocument.text-template")
    assert detect_kind(template) is None and sniff(template).found == "ott"


def test_windows_text_is_text_and_keeps_its_charset():
    result = sniff("Attività già svolte nel 2025\r\n".encode("windows-1252"))
    assert (result.kind, result.content_type) == ("txt", "text/plain; charset=windows-1252")
    assert sniff("già".encode()).content_type == "text/plain; charset=utf-8"


@pytest.mark.parametrize("content", [
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"some text with a \x00 NUL byte",
    b"\x01\x02\x03\x04 binary",
    b"",
])
def test_other_content_is_no_kind_of_ours(content):
    assert detect_kind(content) is None


def test_what_was_found_is_named_even_when_refused():
    assert sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").found == "gif"
    assert sniff(b"\x01\x02\x03\x04 binary").found is None


def test_a_pdf_called_png_is_a_pdf_and_downloads_as_one():
    assert detect_kind(minimal_pdf()) == "pdf"
    assert download_name("deck.png", "pdf") == "deck.pdf"
    assert download_name("deck", "pdf") == "deck.pdf"
    assert download_name("relazione v1.2", "pdf") == "relazione v1.2.pdf"
    assert download_name("Deck.PDF", "pdf") == "Deck.PDF"
    assert download_name("foto.jpeg", "jpg") == "foto.jpeg"


def test_accepted_kinds_resolve_aliases_and_refuse_unknown_names():
    assert accepted_kinds(["PDF", "jpeg", "jpg"]) == ("pdf", "jpg")
    with pytest.raises(ValueError, match="unknown file kind 'exe'"):
        accepted_kinds(["pdf", "exe"])
    with pytest.raises(ValueError):
        accepted_kinds([])


# -- Names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\win.ini", "win.ini"),
    ("C:\\Users\\ada\\Desktop\\deck.pdf", "deck.pdf"),
    ("CON.pdf", "_CON.pdf"),
    ("lpt1", "_lpt1"),
    ("\x00evil.pdf", "evil.pdf"),
    ("relazione finale è.pdf", "relazione finale è.pdf"),
    ("Attività  sociali\t2026.pdf", "Attività sociali 2026.pdf"),
    (".htaccess", "htaccess"),
    ("deck.pdf. . ", "deck.pdf"),
    ('what?"is"<this>|*.pdf', "what__is__this___.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override would show "exe.pdf"
    ("", "file"),
    ("...", "file"),
    ("../", "file"),
    ("///", "file"),
])
def test_sanitise_filename(raw, safe):
    assert sanitise_filename(raw) == safe


def test_decomposed_accents_are_composed():
    decomposed = unicodedata.normalize("NFD", "città è più.pdf")
    assert decomposed != "città è più.pdf"
    assert sanitise_filename(decomposed) == "città è più.pdf"


def test_long_names_are_cut_keeping_the_extension():
    safe = sanitise_filename("a" * 300 + ".pdf")
    assert len(safe) == MAX_FILENAME_LENGTH and safe.endswith("aaa.pdf")
    accented = sanitise_filename("è" * 300 + ".docx")
    assert len(accented) == MAX_FILENAME_LENGTH and accented.endswith("è.docx")


def test_a_cut_never_parts_a_letter_from_its_accent():
    # q + combining grave has no precomposed form, so NFC keeps two code points; the cut would fall between.
    safe = sanitise_filename("x" + "q\u0300" * 200 + ".pdf")
    assert safe.endswith("q\u0300.pdf") and len(safe) == MAX_FILENAME_LENGTH - 1


def test_sanitised_names_are_stable():
    for raw in ("../../etc/passwd", "CON.pdf", "relazione finale è.pdf", "a" * 300 + ".pdf", "..."):
        once = sanitise_filename(raw)
        assert sanitise_filename(once) == once


def test_only_a_pdf_png_or_jpeg_whose_bytes_agree_with_its_type_is_shown_inline():
    pdf = minimal_pdf()
    assert preview_kind(pdf[:8192], "application/pdf") == "pdf" and previewable("application/pdf")
    assert preview_kind(b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png") == "png"
    assert preview_kind(b"\xff\xd8\xff\xe0" + b"\0" * 32, "image/jpeg") == "jpg"
    # A stored type that the bytes contradict, or a kind no browser should render from us: download only.
    assert preview_kind(b"<html><script>alert(1)</script>", "application/pdf") is None
    assert preview_kind(pdf, "image/png") is None
    assert preview_kind(b"plain words", "text/plain; charset=utf-8") is None and not previewable("text/plain")
    assert preview_kind(minimal_docx(), KINDS["docx"].content_type) is None
    assert not previewable(KINDS["docx"].content_type) and not previewable("image/svg+xml")
