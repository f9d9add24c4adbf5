"""Copy what a page's content streams draw with into the rebuilt PDF.

Nothing is copied as it is: every dictionary is rebuilt keeping only the
keys in :data:`_RESOURCE_KEYS`, the vocabulary PDF 2.0 defines for fonts,
graphics states, colour spaces, patterns, shadings and functions. So an
application's private keys (``/PTEX.InfoDict``, ``/PieceInfo``), XMP packets
(``/Metadata``), and anything a future format adds are left behind without
our having to know their names. Images are re-encoded from their pixels
(:mod:`.pdf_images`); form XObjects keep their drawing, bounding box, matrix
and resources; ICC profiles are replaced by the device colour space of the
same number of components; marked-content property lists are emptied.
"""

from __future__ import annotations

import re

import pikepdf

from hotline.intake.attachments.pdf_content import clean_content
from hotline.intake.attachments.pdf_images import reencode_image

# Deeper than any real document nests its resources; a hostile file that
# nests further loses what is below.
_MAX_DEPTH = 64

# fmt: off
_RESOURCE_KEYS = frozenset(
    "/" + key for key in (  # noqa: SIM905 (a list literal would be 160 lines)
        # fonts, font descriptors, encodings, CMaps, font programs
        "Type Subtype BaseFont FirstChar LastChar Widths FontDescriptor Encoding ToUnicode "
        "DescendantFonts CIDSystemInfo Registry Ordering Supplement DW W DW2 W2 CIDToGIDMap "
        "FontBBox FontMatrix CharProcs Resources BaseEncoding Differences FontName FontFamily "
        "FontStretch FontWeight Flags ItalicAngle Ascent Descent Leading CapHeight XHeight "
        "StemV StemH AvgWidth MaxWidth MissingWidth FontFile FontFile2 FontFile3 CharSet "
        "Style Panose FD CIDSet Length1 Length2 Length3 CMapName UseCMap WMode "
        # graphics states and soft masks
        "LW LC LJ ML D RI OP op OPM Font BG BG2 UCR UCR2 TR TR2 HT FL SM SA BM SMask CA ca "
        "AIS TK S G BC "
        # transparency groups and colour spaces
        "CS I K WhitePoint BlackPoint Gamma Matrix Range N Alternate Colorants Process "
        "Components ColorSpace MixingHints Solidities PrintingOrder DotGain "
        # functions
        "FunctionType Domain Size BitsPerSample Order Encode Decode C0 C1 Functions Bounds "
        # patterns and shadings
        "PatternType PaintType TilingType BBox XStep YStep Shading ExtGState ShadingType "
        "Background AntiAlias Function Coords Extend BitsPerCoordinate BitsPerComponent "
        "BitsPerFlag VerticesPerRow "
        # halftones
        "HalftoneType Frequency Angle SpotFunction AccurateScreens TransferFunction Width "
        "Height Width2 Height2 Xsquare Ysquare"
    ).split()
)
# fmt: on
_DROPPED_LABELS = {
    "/Metadata": "pdf_xmp",
    "/PieceInfo": "pdf_piece_info",
    "/LastModified": "pdf_piece_info",
    "/OPI": "pdf_file_paths",
    "/Thumb": "pdf_thumbnails",
}
_FORM_KEYS = ("/BBox", "/Matrix", "/Group")
_STREAM_ENCODING_KEYS = frozenset({"/Length", "/Filter", "/DecodeParms"})
_ICC_DEVICE = {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}
# Resource categories, each a dictionary of names the content streams use.
_CATEGORIES = ("/ExtGState", "/ColorSpace", "/Pattern", "/Shading", "/XObject", "/Font")
_NAME_TOKEN = re.compile(rb"/([^\s/\[\]()<>{}%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def used_names(content: bytes) -> set[str]:
    """Every name a content stream mentions, as pikepdf spells keys.

    Over-inclusive on purpose (a name in a string counts too): it only
    decides which resources are worth copying, and each is rebuilt anyway.
    """
    names = set()
    for match in _NAME_TOKEN.finditer(content):
        raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        names.add("/" + raw.decode("latin-1"))
    return names


def direct(value: object) -> object:
    """A name, number, string or boolean, as a value of its own: one that is
    an indirect object belongs to the source file and cannot be copied."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        text = value.unparse(resolved=True)
        return None if text == b"null" else pikepdf.Object.parse(text)
    return value


class ResourceCopier:
    """Copies resources from one open PDF into a new one, sharing what the
    source shares (a font used on every page is copied once)."""

    def __init__(self, dst: pikepdf.Pdf, removed: set[str]) -> None:
        self.dst = dst
        self.removed = removed
        self._copied: dict[tuple[int, int], pikepdf.Object] = {}

    def resources(self, src: object, names: set[str], depth: int = 0) -> pikepdf.Dictionary:
        """A new /Resources dictionary with only the entries named in ``names``."""
        out = pikepdf.Dictionary()
        if not isinstance(src, pikepdf.Dictionary) or depth > _MAX_DEPTH:
            return out
        for category in _CATEGORIES:
            entries = src.get(category)
            if not isinstance(entries, pikepdf.Dictionary):
                continue
            kept = pikepdf.Dictionary()
            for key in sorted(entries.keys()):
                if key in names:
                    value = self.value(entries.get(key), depth + 1)
                    if value is not None:
                        kept[key] = value
            if len(kept):
                out[category] = kept
        properties = src.get("/Properties")
        if isinstance(properties, pikepdf.Dictionary):
            if len(properties):
                self.removed.add("pdf_piece_info")
            # Marked content may still name its property lists; they stay,
            # empty, so the content streams remain valid.
            emptied = pikepdf.Dictionary()
            for key in sorted(properties.keys()):
                if key in names:
                    emptied[key] = pikepdf.Dictionary()
            if len(emptied):
                out.Properties = emptied
        return out

    def value(self, src: object, depth: int) -> object | None:
        """A rebuilt copy of any value found in resources, None to drop it."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(src, pikepdf.Array):
            return self._array(src, depth)
        if not isinstance(src, (pikepdf.Dictionary, pikepdf.Stream)):
            return direct(src)
        key = src.objgen if src.is_indirect else None
        if key is not None and key in self._copied:
            return self._copied[key]
        copy = self._object(src, depth)
        if key is not None and copy is not None:
            self._copied[key] = copy
        return copy

    def _object(self, src: pikepdf.Object, depth: int) -> pikepdf.Object | None:
        subtype = src.get("/Subtype")
        if isinstance(src, pikepdf.Stream) and subtype == "/Image":
            return reencode_image(self.dst, src, self.removed)
        if isinstance(src, pikepdf.Stream) and subtype == "/Form":
            return self.form(src, depth)
        if isinstance(src, pikepdf.Stream):
            try:
                data = src.read_bytes()
            except Exception:
                return None  # a font program we cannot read: the viewer substitutes
            copy: pikepdf.Object = self.dst.make_indirect(pikepdf.Stream(self.dst, data))
            placed = copy
        else:
            copy = pikepdf.Dictionary()
            placed = self.dst.make_indirect(copy) if src.is_indirect else copy
        if src.is_indirect:
            self._copied[src.objgen] = placed  # before recursing: cycles end here
        for key in sorted(src.keys()):
            if key not in _RESOURCE_KEYS or key in _STREAM_ENCODING_KEYS:
                self._report(key)
                continue
            value = (
                self.resources(src.get(key), self._names_of(src), depth + 1)
                if key == "/Resources"
                else self.value(src.get(key), depth + 1)
            )
            if value is not None:
                placed[key] = value
        return placed

    def _report(self, key: str) -> None:
        """Say what a key we leave behind was, when it is worth saying."""
        label = _DROPPED_LABELS.get(key)
        if key.startswith("/PTEX."):
            label = "pdf_file_paths"
        if label is not None:
            self.removed.add(label)

    def _names_of(self, src: pikepdf.Object) -> set[str]:
        """Names used by a pattern's or Type 3 font's own drawing."""
        if isinstance(src, pikepdf.Stream):
            return self._stream_names(src)
        names: set[str] = set()
        procs = src.get("/CharProcs")
        if isinstance(procs, pikepdf.Dictionary):
            for key in sorted(procs.keys()):
                proc = procs.get(key)
                if isinstance(proc, pikepdf.Stream):
                    names |= self._stream_names(proc)
        return names

    @staticmethod
    def _stream_names(src: pikepdf.Stream) -> set[str]:
        try:
            return used_names(src.read_bytes())
        except Exception:
            return set()

    def _array(self, src: pikepdf.Array, depth: int) -> pikepdf.Array | object | None:
        if len(src) >= 2 and src[0] == "/ICCBased" and isinstance(src[1], pikepdf.Stream):
            # An ICC profile names its maker, device and date; the device
            # space with as many components draws the same colours closely.
            self.removed.add("icc_profile")
            return pikepdf.Name(_ICC_DEVICE.get(int(src[1].get("/N", 3)), "/DeviceRGB"))
        items = []
        for item in src:
            value = self.value(item, depth + 1)
            items.append(pikepdf.Object.parse(b"null") if value is None else value)
        return pikepdf.Array(items)

    def form(self, src: pikepdf.Stream, depth: int) -> pikepdf.Object:
        """A form XObject: its drawing, bounding box, matrix and resources."""
        try:
            data = clean_content(src.read_bytes(), self.removed)
        except Exception:
            self.removed.add("pdf_damaged_content")
            data = b""
        copy = self.dst.make_indirect(pikepdf.Stream(self.dst, data))
        if src.is_indirect:
            self._copied[src.objgen] = copy
        copy.Type = pikepdf.Name.XObject
        copy.Subtype = pikepdf.Name.Form
        for key in sorted(src.keys()):
            self._report(key)
        for key in _FORM_KEYS:
            value = self.value(src.get(key), depth + 1) if key in src else None
            if value is not None:
                copy[key] = value
        copy.Resources = self.resources(src.get("/Resources"), used_names(data), depth + 1)
        return copy
