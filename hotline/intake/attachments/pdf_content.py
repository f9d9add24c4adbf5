"""Re-write a PDF content stream from its parsed instructions.

Parsing and writing back keeps every drawing instruction and drops what is
not one: comments (``% created by …``), and anything after a syntax error.
Inline images compressed as JPEG or JPEG 2000 carry their own EXIF or XMP
and are removed (reported as ``pdf_images_dropped``); other inline images are
raw pixels and stay.
"""

from __future__ import annotations

import re

import pikepdf

_INLINE_IMAGE = re.compile(rb"(^|\s)BI\s")
_PHOTO_FILTERS = frozenset({"/DCTDecode", "/DCT", "/JPXDecode"})


def clean_content(data: bytes, removed: set[str]) -> bytes:
    """The drawing instructions of ``data``, and nothing else."""
    scratch = pikepdf.Pdf.new()
    try:
        instructions = pikepdf.parse_content_stream(pikepdf.Stream(scratch, data))
        kept = []
        for instruction in instructions:
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                filters = {str(f) for f in instruction.iimage.filters}
                if filters & _PHOTO_FILTERS:
                    removed.add("pdf_images_dropped")
                    continue
            kept.append(instruction)
        return pikepdf.unparse_content_stream(kept)
    except Exception:
        removed.add("pdf_damaged_content")
    # qpdf could not parse it, though a viewer may still draw it. Without
    # inline images (which could be a JPEG with its EXIF) it is only drawing
    # instructions and comments, and is kept; with them, the page is blank.
    return b"" if _INLINE_IMAGE.search(data) else data
