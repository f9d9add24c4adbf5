"""Write the leak corpus next to this file: `python -m tests.intake.corpus.make_corpus`.

Each file carries one or more of the leaks listed in issue 15. Every planted
name, path or serial number contains "Leak" (any case) and every planted
date is in 1987, so the scanner in test_corpus.py can look for those two
marks without knowing each file. The files are committed; this script is how
they were made (run it again only to change the corpus).
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import av
import docx
import numpy as np
import openpyxl
import pillow_heif
from openpyxl.comments import Comment
from openpyxl.drawing.image import Image as SheetImage
from PIL import ExifTags, Image, ImageCms
from pptx import Presentation
from pptx.util import Inches
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

HERE = Path(__file__).parent
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'exif:GPSLatitude="1,57.0N" exif:GPSLongitude="30,3.6E" '
    b'exif:DateTimeOriginal="1987-05-17T09:30:00"><dc:creator>XmpLeakAuthor</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    b'<?xpacket end="w"?>'
)


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "ArtistLeakJane"
    exif[ExifTags.Base.Make] = "LeakCameras"
    exif[ExifTags.Base.DateTime] = "1987:05:17 09:30:00"
    exif[ExifTags.IFD.Exif] = {ExifTags.Base.BodySerialNumber: "SN-LEAK-0042"}
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (1.0, 57.0, 0.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (30.0, 3.0, 36.0),
    }
    return exif


def photo() -> bytes:
    picture = Image.new("RGB", (32, 16), (200, 30, 30))
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=_exif(), comment=b"CommentLeak", xmp=XMP)
    return out.getvalue()


def photo_heic() -> bytes:
    """An iPhone-style HEIC: EXIF with GPS, XMP, an ICC profile and a second picture."""
    pillow_heif.register_heif_opener()
    picture = Image.new("RGB", (64, 48), (30, 120, 200))
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture.save(out, "HEIF", exif=_exif().tobytes(), xmp=XMP, icc_profile=icc)
    heif = pillow_heif.open_heif(io.BytesIO(out.getvalue()))
    # A burst's other shot, hidden behind the primary picture.
    heif.add_from_pillow(Image.new("RGB", (64, 48), (250, 250, 0)))
    with_burst = io.BytesIO()
    heif.save(with_burst, primary_index=0)
    return with_burst.getvalue()


def photo_avif() -> bytes:
    picture = Image.new("RGB", (64, 48), (30, 200, 120))
    out = io.BytesIO()
    picture.save(out, "AVIF", exif=_exif().tobytes(), xmp=XMP)
    return out.getvalue()


#: What a recorder writes about a recording: who, when, where, and a cover.
AUDIO_TAGS = {
    "title": "Meeting with LeakOfficer",
    "artist": "ArtistLeakJane",
    "date": "1987-05-17",
    "comment": "CommentLeak",
    "location": "-01.9500+030.0600/",
}


def recording(muxer: str, encoder: str, rate: int = 16_000, *, cover: bool = False) -> bytes:
    """One second of a tone, tagged (and with a cover picture if asked)."""
    out = io.BytesIO()
    with av.open(out, mode="w", format=muxer) as container:
        container.metadata.update(AUDIO_TAGS)
        stream = container.add_stream(encoder, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if cover:
            picture = container.add_stream("mjpeg", rate=1)
            assert isinstance(picture, av.VideoStream)
            picture.width, picture.height, picture.pix_fmt = 16, 16, "yuvj420p"
            picture.metadata["comment"] = "Cover (front)"
        tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if cover:
            red = np.full((16, 16, 3), (200, 0, 0), dtype=np.uint8)
            image = av.VideoFrame.from_ndarray(red, format="rgb24")
            for packet in [*picture.encode(image), *picture.encode(None)]:
                container.mux(packet)
    return out.getvalue()


def _jpx_with_xmp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (30, 30, 200)).save(out, "JPEG2000")
    xmp_uuid = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
    box = struct.pack(">I", 8 + 16 + len(XMP)) + b"uuid" + xmp_uuid + XMP
    return out.getvalue() + box


def _page(writer: PdfWriter, drawing: bytes) -> DictionaryObject:
    page = writer.add_blank_page(300, 300)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 150 Td (visible text) Tj ET " + drawing)
    page[NameObject("/Contents")] = writer._add_object(stream)
    return page


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_stream(data: bytes, filters: list[str], size: tuple[int, int]) -> StreamObject:
    image = DecodedStreamObject()
    image.set_data(data)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(size[0]),
            NameObject("/Height"): NumberObject(size[1]),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): ArrayObject(NameObject(f) for f in filters),
        }
    )
    return image


def _with_xobjects(writer: PdfWriter, page: DictionaryObject, **xobjects: StreamObject) -> None:
    resources = page["/Resources"]
    assert isinstance(resources, DictionaryObject)
    resources[NameObject("/XObject")] = DictionaryObject(
        {NameObject("/" + k): writer._add_object(v) for k, v in xobjects.items()}
    )


def pdf_ptex() -> bytes:
    writer = PdfWriter()
    page = _page(writer, b"q /Fm0 Do Q")
    form = DecodedStreamObject()
    form.set_data(b"0 0 m 10 10 l S")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(0), NumberObject(0)] * 2),
            NameObject("/PTEX.FileName"): TextStringObject("C:/Users/LeakJane/figure.pdf"),
            NameObject("/PTEX.InfoDict"): DictionaryObject(
                {
                    NameObject("/Author"): TextStringObject("PtexLeakAuthor"),
                    NameObject("/CreationDate"): TextStringObject("D:19870517093000"),
                }
            ),
        }
    )
    _with_xobjects(writer, page, Fm0=form)
    return _bytes(writer)


def pdf_link_author() -> bytes:
    writer = PdfWriter()
    page = _page(writer, b"")
    rect = ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(30)])
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): rect,
            NameObject("/T"): TextStringObject("LinkLeakAuthor"),
            NameObject("/M"): TextStringObject("D:19870517093000"),
        }
    )
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): rect,
            NameObject("/T"): TextStringObject("NoteLeakAuthor"),
            NameObject("/Contents"): TextStringObject("a note"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link), writer._add_object(note)])
    return _bytes(writer)


def pdf_page_properties() -> bytes:
    writer = PdfWriter()
    page = _page(writer, b"/OC /MC0 BDC 0 0 m 5 5 l S EMC")
    resources = page["/Resources"]
    assert isinstance(resources, DictionaryObject)
    resources[NameObject("/Properties")] = DictionaryObject(
        {
            NameObject("/MC0"): DictionaryObject(
                {
                    NameObject("/Author"): TextStringObject("PropertiesLeakAuthor"),
                    NameObject("/Title"): TextStringObject("PropertiesLeakTitle"),
                }
            )
        }
    )
    page[NameObject("/PieceInfo")] = DictionaryObject(
        {NameObject("/App"): DictionaryObject({NameObject("/Private"): TextStringObject("Leak")})}
    )
    return _bytes(writer)


def pdf_incremental_info() -> bytes:
    writer = PdfWriter()
    _page(writer, b"")
    writer.add_metadata(
        {
            "/Author": "InfoLeakAuthor",
            "/Producer": "LeakWriter 1.0",
            "/CreationDate": "D:19870517093000",
        }
    )
    writer.xmp_metadata = XMP
    first = _bytes(writer)
    update = PdfWriter(io.BytesIO(first), incremental=True)
    update.metadata = None
    return _bytes(update)


def pdf_flate_dct_gps() -> bytes:
    import zlib

    writer = PdfWriter()
    page = _page(writer, b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    image = _image_stream(zlib.compress(photo()), ["/FlateDecode", "/DCTDecode"], (32, 16))
    _with_xobjects(writer, page, Im0=image)
    return _bytes(writer)


def pdf_jpx_xmp() -> bytes:
    writer = PdfWriter()
    page = _page(writer, b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    image = _image_stream(_jpx_with_xmp(), ["/JPXDecode"], (32, 16))
    del image["/ColorSpace"]
    del image["/BitsPerComponent"]
    _with_xobjects(writer, page, Im0=image)
    return _bytes(writer)


def pdf_icc_image() -> bytes:
    writer = PdfWriter()
    page = _page(writer, b"q 64 0 0 32 10 10 cm /Im0 Do Q")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    icc = DecodedStreamObject()
    icc.set_data(profile)
    icc[NameObject("/N")] = NumberObject(3)
    image = _image_stream(bytes([90, 160, 30]) * 16 * 8, [], (16, 8))
    del image["/Filter"]
    image[NameObject("/ColorSpace")] = ArrayObject(
        [NameObject("/ICCBased"), writer._add_object(icc)]
    )
    image[NameObject("/Metadata")] = writer._add_object(_stream(XMP))
    _with_xobjects(writer, page, Im0=image)
    return _bytes(writer)


def _stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_document() -> bytes:
    document = docx.Document()
    document.core_properties.author = "DocxLeakAuthor"
    document.core_properties.last_modified_by = "DocxLeakEditor"
    paragraph = document.add_paragraph("visible body text")
    document.add_comment(paragraph.runs, text="a remark", author="CommentLeakAuthor", initials="CL")
    document.add_picture(io.BytesIO(photo()))
    out = io.BytesIO()
    document.save(out)
    # Tracked changes, as Word writes them: an insertion and a deletion.
    tracked = (
        f'<w:p xmlns:w="{_W}" w:rsidR="00LEAK42"><w:ins w:id="90" w:author="InsLeakAuthor" '
        'w:date="1987-05-17T09:30:00Z"><w:r><w:t>inserted text</w:t></w:r></w:ins>'
        '<w:del w:id="91" w:author="DelLeakAuthor" w:date="1987-05-17T09:31:00Z"><w:r>'
        "<w:delText>DeletedLeakText</w:delText></w:r></w:del></w:p>"
    )
    return _edit_member(
        out.getvalue(),
        "word/document.xml",
        lambda xml: xml.replace(b"<w:body>", b"<w:body>" + tracked.encode(), 1),
    )


def _edit_member(package: bytes, name: str, edit: object) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                data = edit(data)  # type: ignore[operator]
            target.writestr(info, data)
    return out.getvalue()


def xlsx_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "visible cell"
    sheet["A1"].comment = Comment("a remark", "CommentLeakAuthor")
    sheet.add_image(SheetImage(io.BytesIO(photo())), "C3")
    workbook.properties.creator = "XlsxLeakAuthor"
    workbook.properties.lastModifiedBy = "XlsxLeakEditor"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pptx_presentation() -> bytes:
    presentation = Presentation()
    presentation.core_properties.author = "PptxLeakAuthor"
    presentation.core_properties.last_modified_by = "PptxLeakEditor"
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    title = slide.shapes.title
    assert title is not None
    title.text = "visible slide title"
    slide.shapes.add_picture(io.BytesIO(photo()), Inches(1), Inches(1))
    slide.notes_slide.notes_text_frame.text = "speaker notes"
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


_ODF_CONTENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3">
<office:body><office:text>
<text:tracked-changes><text:changed-region text:id="ct1"><text:deletion><office:change-info>
<dc:creator>ChangeLeakAuthor</dc:creator><dc:date>1987-05-17T09:30:00</dc:date>
</office:change-info><text:p>DeletedLeakText</text:p></text:deletion></text:changed-region>
</text:tracked-changes>
<text:p>visible text<text:change text:change-id="ct1"/><office:annotation>
<dc:creator>CommentLeakAuthor</dc:creator><dc:date>1987-05-17T09:30:00</dc:date>
<text:p>a remark</text:p></office:annotation> continues</text:p>
<text:p><draw:frame svg:width="2cm" svg:height="1cm"><draw:image xlink:href="Pictures/photo.jpg"
 xlink:type="simple"/></draw:frame><text:a xlink:href="file:///C:/Users/LeakJane/notes.odt">
see notes</text:a></text:p>
</office:text></office:body></office:document-content>"""
_ODF_META = b"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>
<meta:initial-creator>MetaLeakAuthor</meta:initial-creator><dc:creator>MetaLeakEditor</dc:creator>
<meta:creation-date>1987-05-17T09:30:00</meta:creation-date></office:meta></office:document-meta>"""
_ODF_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.3">
<manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def odt_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        archive.writestr("content.xml", _ODF_CONTENT)
        archive.writestr("meta.xml", _ODF_META)
        archive.writestr("settings.xml", b"<settings>PrinterLeakName</settings>")
        archive.writestr("Thumbnails/thumbnail.png", photo())
        archive.writestr("Pictures/photo.jpg", photo())
        archive.writestr("META-INF/manifest.xml", _ODF_MANIFEST)
    return out.getvalue()


CORPUS = {
    "pdf-ptex-infodict.pdf": pdf_ptex,
    "pdf-link-author.pdf": pdf_link_author,
    "pdf-page-properties.pdf": pdf_page_properties,
    "pdf-incremental-info.pdf": pdf_incremental_info,
    "pdf-flate-dct-gps.pdf": pdf_flate_dct_gps,
    "pdf-jpx-xmp.pdf": pdf_jpx_xmp,
    "pdf-icc-image.pdf": pdf_icc_image,
    "photo-gps.jpg": photo,
    "photo-gps.heic": photo_heic,
    "photo-gps.avif": photo_avif,
    "voice-memo.m4a": lambda: recording("ipod", "aac", 44_100),
    "recording-cover.mp3": lambda: recording("mp3", "libmp3lame", 44_100, cover=True),
    "recording.ogg": lambda: recording("ogg", "libopus", 48_000),
    "recording.wav": lambda: recording("wav", "pcm_s16le"),
    "docx-author-comments-rsid.docx": docx_document,
    "xlsx-author-comments.xlsx": xlsx_workbook,
    "pptx-author-notes.pptx": pptx_presentation,
    "odt-meta-comments-changes.odt": odt_document,
}


if __name__ == "__main__":
    import sys

    # `… make_corpus photo-gps.heic` remakes one file; no argument, all of them.
    for name, make in CORPUS.items():
        if sys.argv[1:] and name not in sys.argv[1:]:
            continue
        (HERE / name).write_bytes(make())
        print(name)
