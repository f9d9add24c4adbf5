"""A cleaned PDF is a new document: only what the pages draw is carried over."""

from __future__ import annotations

import io
import shutil
import zlib

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from hotline.intake.attachments import clean
from hotline.intake.attachments.confinement import clean_confined
from tests.helpers.instance import IN_CI


def _pdf(
    drawing: bytes, pdf: pikepdf.Pdf | None = None, **xobjects: pikepdf.Stream
) -> tuple[pikepdf.Pdf, pikepdf.Dictionary]:
    pdf = pdf if pdf is not None else pikepdf.Pdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0].obj
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1)
    font.BaseFont = pikepdf.Name.Helvetica
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    if xobjects:
        page.Resources.XObject = pikepdf.Dictionary(
            {"/" + k: pdf.make_indirect(v) for k, v in xobjects.items()}
        )
    page.Contents = pdf.make_indirect(
        pikepdf.Stream(pdf, b"BT /F1 12 Tf 20 150 Td (page text) Tj ET " + drawing)
    )
    return pdf, page


def _bytes(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _image(
    pdf: pikepdf.Pdf, data: bytes, size: tuple[int, int], **entries: object
) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, data)
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Image
    stream.Width, stream.Height = size
    stream.ColorSpace = pikepdf.Name.DeviceRGB
    stream.BitsPerComponent = 8
    for key, value in entries.items():
        stream[pikepdf.Name("/" + key)] = value
    return stream


def _text(content: bytes) -> str:
    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_catalogue_outlines_forms_and_structure_are_not_carried() -> None:
    pdf, page = _pdf(b"% drawn by LeakWriter for LeakJane\n")
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(Title=pikepdf.String("LeakOutline")))
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), DA=pikepdf.String("LeakDA"))
    pdf.Root.StructTreeRoot = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot)
    )
    pdf.Root.Lang = pikepdf.String("en-LEAK")
    page.StructParents = 0
    original = _bytes(pdf)

    result = clean("x.pdf", None, original)

    assert b"Leak" not in zlib_inflated(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        assert set(cleaned.Root.keys()) == {"/Type", "/Pages"}
        assert set(cleaned.pages[0].obj.keys()) == {
            "/Type",
            "/Parent",
            "/MediaBox",
            "/Resources",
            "/Contents",
        }
    assert "page text" in _text(result.content)


def zlib_inflated(content: bytes) -> bytes:
    """The file with every stream decoded, as qpdf --qdf would show it."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        parts = [content]
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(bytes(obj.read_bytes()))
                except pikepdf.PdfError:
                    parts.append(bytes(obj.read_raw_bytes()))
    return b"\n".join(parts)


def test_annotation_appearance_is_flattened_into_the_page() -> None:
    pdf, page = _pdf(b"")
    appearance = pikepdf.Stream(pdf, b"BT /F1 10 Tf 0 0 Td (STAMPED) Tj ET")
    appearance.Type = pikepdf.Name.XObject
    appearance.Subtype = pikepdf.Name.Form
    appearance.BBox = [0, 0, 80, 20]
    appearance.Resources = page.Resources
    stamp = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Stamp,
        Rect=[20, 20, 100, 40],
        T=pikepdf.String("StampLeakAuthor"),
        M=pikepdf.String("D:19870517093000"),
        AP=pikepdf.Dictionary(N=pdf.make_indirect(appearance)),
    )
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(stamp)]))
    original = _bytes(pdf)

    result = clean("x.pdf", None, original)

    assert "pdf_annotations" in result.removed
    assert b"StampLeakAuthor" not in zlib_inflated(result.content)
    assert b"1987" not in zlib_inflated(result.content)
    assert "/Annots" not in PdfReader(io.BytesIO(result.content)).pages[0]
    assert "STAMPED" in _text(result.content)


def test_resources_the_page_does_not_draw_are_not_copied() -> None:
    pdf = pikepdf.Pdf.new()
    unused = _image(pdf, b"LeakPixels" * 30, (10, 10))
    pdf, _ = _pdf(b"", pdf, Unused=unused)
    original = _bytes(pdf)

    result = clean("x.pdf", None, original)

    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        assert "/XObject" not in cleaned.pages[0].Resources
    assert b"LeakPixels" not in zlib_inflated(result.content)


def test_image_that_cannot_be_decoded_is_replaced_by_a_blank_and_reported() -> None:
    pdf = pikepdf.Pdf.new()
    broken = _image(pdf, b"\xff\xd8\xff LeakJpegGarbage", (10, 10), Filter=pikepdf.Name.DCTDecode)
    pdf, _ = _pdf(b"q 50 0 0 50 10 10 cm /Im0 Do Q", pdf, Im0=broken)

    result = clean("x.pdf", None, _bytes(pdf))

    assert "pdf_images_dropped" in result.removed
    assert b"LeakJpegGarbage" not in zlib_inflated(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        image = cleaned.pages[0].Resources.XObject.Im0
        assert (int(image.Width), int(image.Height)) == (1, 1)
    assert "page text" in _text(result.content)


@pytest.mark.parametrize("wrapped", [False, True], ids=["dct", "flate-dct"])
def test_photo_inside_is_re_encoded_with_its_transparency(wrapped: bool) -> None:
    picture = Image.new("RGB", (16, 8), (200, 30, 30))
    exif = Image.Exif()
    exif[0x013B] = "ArtistLeakJane"
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif)
    data, filters = out.getvalue(), [pikepdf.Name.DCTDecode]
    if wrapped:
        data, filters = zlib.compress(data), [pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode]
    pdf = pikepdf.Pdf.new()
    alpha = _image(pdf, bytes(range(0, 256, 2)), (16, 8), ColorSpace=pikepdf.Name.DeviceGray)
    photo = _image(pdf, data, (16, 8), Filter=pikepdf.Array(filters))
    photo.SMask = pdf.make_indirect(alpha)
    pdf, _ = _pdf(b"q 64 0 0 32 10 10 cm /Im0 Do Q", pdf, Im0=photo)

    result = clean("x.pdf", None, _bytes(pdf))

    assert "pdf_image_metadata" in result.removed
    assert b"ArtistLeakJane" not in zlib_inflated(result.content)
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        image = cleaned.pages[0].Resources.XObject.Im0
        assert isinstance(image, pikepdf.Stream)
        assert isinstance(image.SMask, pikepdf.Stream)
        pixels = pikepdf.PdfImage(image).as_pil_image()
        red, green, blue = pixels.convert("RGB").getpixel((4, 4))  # type: ignore[misc]
        assert (red > 150, green < 80, blue < 80) == (True, True, True)
        mask = pikepdf.PdfImage(image.SMask).as_pil_image()
        assert mask.getpixel((1, 0)) == 2


def test_form_values_stay_visible_but_passwords_do_not() -> None:
    pdf, page = _pdf(b"")
    fields = []
    for name, value, flags, y in (
        ("filled", "FilledValue", 0, 40),
        ("secret", "Hunter2", 1 << 13, 90),
    ):
        field = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String(name),
            V=pikepdf.String(value),
            Ff=flags,
            DA=pikepdf.String("/F1 10 Tf 0 g"),
            Rect=[20, y, 180, y + 20],
            P=page,
        )
        fields.append(pdf.make_indirect(field))
    page.Annots = pikepdf.Array(fields)
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(fields),
        NeedAppearances=True,
        DR=pikepdf.Dictionary(Font=page.Resources.Font),
        DA=pikepdf.String("/F1 10 Tf 0 g"),
    )

    result = clean("form.pdf", None, _bytes(pdf))

    text = _text(result.content)
    assert "FilledValue" in text
    assert b"Hunter2" not in zlib_inflated(result.content)
    assert "/AcroForm" not in PdfReader(io.BytesIO(result.content)).trailer["/Root"]  # type: ignore[operator]


def _raw_pdf(objects: dict[int, bytes], trailer: bytes) -> bytes:
    """A PDF written object by object, damage included."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 1\n0000000000 65535 f \n"
    for number, offset in offsets.items():
        out += b"%d 1\n%010d 00000 n \n" % (number, offset)
    out += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


_HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _broken_trailer() -> bytes:
    """Objects numbered past the trailer's /Size: poppler and pypdf read the
    file, qpdf refuses it (as pdf.js's issue4573.pdf)."""
    objects = {
        8797: b"<< /Type /Catalog /Pages 8798 0 R >>",
        8798: b"<< /Type /Pages /MediaBox [0 0 200 50] /Count 1 /Kids [8799 0 R] >>",
        8799: b"<< /Type /Page /Parent 8798 0 R /Resources << /Font << /F1 8800 0 R >> >>"
        b" /Contents 8801 0 R >>",
        8800: _HELVETICA,
        8801: b"<< /Length 43 >>\nstream\nBT /F1 12 Tf 10 20 Td (repaired text) Tj ET\nendstream",
    }
    return _raw_pdf(objects, b"<< /Size 9 /Root 8797 0 R >>")


def _looping_page_tree() -> bytes:
    """A page tree whose branch is its own grandchild (as pdf.js's
    Pages-tree-refs.pdf): poppler shows the page, qpdf and pypdf refuse the
    file. The trailer names the author."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [6 0 R 3 0 R] /Count 2 /MediaBox [0 0 300 100] >>",
        3: b"<< /Type /Pages /Parent 2 0 R /Kids [4 0 R] /Count 1 >>",
        4: b"<< /Type /Pages /Parent 3 0 R /Kids [3 0 R] /Count 1 >>",
        6: b"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 7 0 R >> >>"
        b" /Contents 8 0 R >>",
        7: _HELVETICA,
        8: b"<< /Length 51 >>\nstream\nBT /F1 12 Tf 10 50 Td (looping tree text) Tj ET\nendstream",
        9: b"<< /Author (Ana Reporter) /Title (C:\\Users\\ana\\leak.docx) >>",
    }
    return _raw_pdf(objects, b"<< /Size 10 /Root 1 0 R /Info 9 0 R >>")


def test_a_file_qpdf_cannot_open_is_repaired_by_pypdf_then_rebuilt() -> None:
    original = _broken_trailer()
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(io.BytesIO(original))

    result = clean("x.pdf", None, original)

    assert result.cleaned is True
    assert result.removed == ()
    assert "repaired text" in _text(result.content)
    assert b"pypdf" not in zlib_inflated(result.content)


def test_a_file_only_poppler_reads_is_redrawn_by_poppler_then_rebuilt() -> None:
    if shutil.which("pdftocairo") is None:
        if IN_CI:
            pytest.fail("pdftocairo is missing (CI=true: .ci/run installs poppler-utils)")
        pytest.skip("poppler's pdftocairo is not installed (Debian: poppler-utils)")
    original = _looping_page_tree()
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(io.BytesIO(original))
    with pytest.raises(PdfReadError):
        PdfReader(io.BytesIO(original)).pages[0]

    result = clean("x.pdf", None, original)

    assert result.cleaned is True
    assert "looping tree text" in _text(result.content)
    inflated = zlib_inflated(result.content)
    for leak in (b"Ana Reporter", b"leak.docx", b"cairo", b"/Producer", b"/CreationDate"):
        assert leak not in inflated
    # The same in the cleaning child, which may write no file: poppler
    # answers through a pipe.
    confined = clean_confined("x.pdf", None, original)
    assert "looping tree text" in _text(confined.content)
