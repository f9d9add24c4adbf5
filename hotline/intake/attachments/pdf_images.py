"""Re-encode the pictures inside a PDF from their pixels alone.

An image XObject's bytes are whatever the authoring program put there: a
camera JPEG with its EXIF and GPS (sometimes wrapped in a second filter, as
``[/FlateDecode /DCTDecode]``), a JPEG 2000 file with an XMP box, an ICC
profile naming the device. Each image is decoded to pixels (pikepdf decodes
every PDF filter, Pillow the JPEG and JPEG 2000 data) and written into a new
stream whose dictionary we make ourselves: size, colour space, bit depth,
filter, and a soft mask rebuilt the same way. An image that cannot be decoded
is replaced by a blank one-pixel image and reported as
``pdf_images_dropped``: the rest of the document is still worth keeping.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable

import pikepdf
from PIL import Image

from hotline.intake.attachments import pixel_meter
from hotline.intake.attachments.errors import OverBudget
from hotline.intake.attachments.images import MAX_PIXELS

_JPEG_QUALITY = 90
# Pillow mode -> PDF colour space and the bits per component we write.
_DEVICE_SPACES = {
    "1": ("/DeviceGray", 1),
    "L": ("/DeviceGray", 8),
    "RGB": ("/DeviceRGB", 8),
    "CMYK": ("/DeviceCMYK", 8),
}
# Signs that the encoded picture carried metadata of its own, for ``removed``.
_METADATA_SIGNS = (b"Exif\x00", b"http://ns.adobe.com/xap", b"<x:xmpmeta", b"ICC_PROFILE")

RebuildImage = Callable[[pikepdf.Object], pikepdf.Object]


def image_pixels(src: pikepdf.Stream) -> Image.Image:
    """Decode an image XObject to a Pillow image, or raise."""
    width, height = int(src.get("/Width", 0)), int(src.get("/Height", 0))
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
        raise ValueError("image size out of bounds")
    pixel_meter.charge(width * height)
    try:
        picture = pikepdf.PdfImage(src).as_pil_image()
    except Exception:
        # pikepdf refuses some filter chains it could partly undo
        # ([/FlateDecode /DCTDecode]): undo the general filters, let Pillow
        # read the JPEG or JPEG 2000 data that remains.
        picture = Image.open(io.BytesIO(photo_bytes(src)), formats=["JPEG", "JPEG2000"])
        if picture.size[0] * picture.size[1] > MAX_PIXELS:
            raise ValueError("image size out of bounds") from None
        picture.load()
    return picture


def reencode_image(
    dst: pikepdf.Pdf, src: pikepdf.Stream, removed: set[str], *, role: str = "image"
) -> pikepdf.Object:
    """A new image stream in ``dst`` holding only ``src``'s pixels.

    ``role`` is "image", "smask" (a soft mask: grey levels) or "stencil" (an
    explicit /Mask: one bit, 0 paints).
    """
    if _has_metadata(src):
        removed.add("pdf_image_metadata")
    stencil = role == "stencil" or bool(src.get("/ImageMask", False))
    try:
        picture = image_pixels(src)
        if role == "smask":
            picture = picture.convert("L")
        stream = _encode(dst, picture, photo=_is_photo(src), stencil=stencil)
    except OverBudget:
        raise  # over the report's budget: the whole file is refused, not blanked
    except Exception:
        removed.add("pdf_images_dropped")
        return _blank(dst)
    decode = src.get("/Decode")
    if stencil and isinstance(decode, pikepdf.Array) and [float(v) for v in decode] == [1, 0]:
        stream[pikepdf.Name.Decode] = pikepdf.Array([1, 0])
    if bool(src.get("/Interpolate", False)):
        stream[pikepdf.Name.Interpolate] = True
    if role == "image" and not stencil:
        smask = src.get("/SMask")
        if isinstance(smask, pikepdf.Stream):
            stream[pikepdf.Name.SMask] = reencode_image(dst, smask, removed, role="smask")
        mask = src.get("/Mask")
        if isinstance(mask, pikepdf.Stream):
            stream[pikepdf.Name.Mask] = reencode_image(dst, mask, removed, role="stencil")
        elif (
            isinstance(mask, pikepdf.Array)
            and picture.mode == _written_mode(picture)
            and all(isinstance(v, int) for v in mask)
        ):
            # Colour-key ranges are in the image's own component values,
            # which stay the same when the pixels were not converted.
            stream[pikepdf.Name.Mask] = pikepdf.Array([int(v) for v in mask])
    return dst.make_indirect(stream)


def _written_mode(picture: Image.Image) -> str:
    if picture.mode in _DEVICE_SPACES and picture.mode != "1":
        return picture.mode
    return "RGB" if picture.mode not in ("1", "L", "LA") else "L"


def _encode(
    dst: pikepdf.Pdf, picture: Image.Image, *, photo: bool, stencil: bool
) -> pikepdf.Stream:
    if stencil:
        picture = picture.convert("1") if picture.mode != "1" else picture
    elif picture.mode != _written_mode(picture):
        picture = picture.convert(_written_mode(picture))
    fresh = Image.frombytes(picture.mode, picture.size, picture.tobytes())
    space, bits = _DEVICE_SPACES[fresh.mode]
    if photo and fresh.mode in ("L", "RGB"):
        out = io.BytesIO()
        fresh.save(out, format="JPEG", quality=_JPEG_QUALITY, optimize=True)
        data, filter_name = out.getvalue(), pikepdf.Name.DCTDecode
    else:
        raw = fresh.tobytes()
        if fresh.mode == "1":
            raw = _packed_bits(fresh)
        data, filter_name = zlib.compress(raw, 6), pikepdf.Name.FlateDecode
    stream = pikepdf.Stream(dst, data)
    stream[pikepdf.Name.Type] = pikepdf.Name.XObject
    stream[pikepdf.Name.Subtype] = pikepdf.Name.Image
    stream[pikepdf.Name.Width] = fresh.size[0]
    stream[pikepdf.Name.Height] = fresh.size[1]
    stream[pikepdf.Name.Filter] = filter_name
    if stencil:
        stream[pikepdf.Name.ImageMask] = True
    else:
        stream[pikepdf.Name.ColorSpace] = pikepdf.Name(space)
        stream[pikepdf.Name.BitsPerComponent] = bits
    return stream


def _packed_bits(picture: Image.Image) -> bytes:
    # Pillow's "1" mode packs rows MSB first with 1 = white, as PDF's
    # DeviceGray 1-bit does; the raw encoder pads each row to a byte.
    return picture.tobytes("raw", "1")


def _blank(dst: pikepdf.Pdf) -> pikepdf.Object:
    stream = pikepdf.Stream(dst, zlib.compress(b"\xff"))
    stream[pikepdf.Name.Type] = pikepdf.Name.XObject
    stream[pikepdf.Name.Subtype] = pikepdf.Name.Image
    stream[pikepdf.Name.Width] = 1
    stream[pikepdf.Name.Height] = 1
    stream[pikepdf.Name.ColorSpace] = pikepdf.Name.DeviceGray
    stream[pikepdf.Name.BitsPerComponent] = 8
    stream[pikepdf.Name.Filter] = pikepdf.Name.FlateDecode
    return dst.make_indirect(stream)


def photo_bytes(src: pikepdf.Object) -> bytes:
    """The JPEG or JPEG 2000 file inside an image stream, with any filters
    applied on top of it (such as Flate) undone."""
    filters = _filters(src)
    raw = src.read_raw_bytes()
    if len(filters) <= 1:
        return bytes(raw)
    parms = src.get("/DecodeParms")
    scratch = pikepdf.Pdf.new()
    outer = pikepdf.Stream(scratch, raw)
    outer[pikepdf.Name.Filter] = pikepdf.Array([pikepdf.Name(f) for f in filters[:-1]])
    if isinstance(parms, pikepdf.Array) and len(parms) == len(filters):
        outer[pikepdf.Name.DecodeParms] = pikepdf.Array(list(parms)[:-1])
    return bytes(outer.read_bytes())


def _filters(src: pikepdf.Object) -> list[str]:
    value = src.get("/Filter")
    if isinstance(value, pikepdf.Array):
        return [str(v) for v in value]
    return [str(value)] if value is not None else []


def _is_photo(src: pikepdf.Object) -> bool:
    """JPEG and JPEG 2000 sources are photographs: re-encode them lossy."""
    return bool({"/DCTDecode", "/JPXDecode"} & set(_filters(src)))


def _has_metadata(src: pikepdf.Object) -> bool:
    if "/Metadata" in src:
        return True
    if not _is_photo(src):
        return False
    try:
        head = photo_bytes(src)[:65536]
    except Exception:
        return False
    return any(sign in head for sign in _METADATA_SIGNS) or b"xml " in head[:4096]
