"""Read and write the zip packages that Office and OpenDocument files are.

Reading is bounded before anything is decompressed: the member count and
the total size the central directory declares (zipfile never inflates a
member past its declared size, so the declaration is a real bound: a zip
bomb is refused without being expanded). XML is parsed by lxml with entity
expansion, DTD loading and network access off, and a part that declares a
DTD at all is refused: no external entity can be read, no "billion laughs"
expanded. Comments and processing instructions are dropped while parsing.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from hotline.intake.attachments import pixel_meter
from hotline.intake.attachments.errors import OverBudget, UnreadableFile
from hotline.intake.attachments.images import PILLOW_FORMATS, clean_image
from hotline.intake.attachments.sniffing import sniff

#: Largest total uncompressed size of an Office or OpenDocument package.
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
#: Largest number of members in such a package.
MAX_PACKAGE_MEMBERS = 10_000

DOCUMENT_UNREADABLE = "This document could not be read. It may be damaged."
DOCUMENT_TOO_LARGE = "This document is too large to be processed safely."

# A 1x1 white PNG: stands in for a picture we cannot re-encode (EMF, WMF,
# SVG...), so the drawing that shows it stays valid.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c63f80f00000101000518d84e0000000049454e44ae426082"
)


def open_package(content: bytes) -> dict[str, bytes]:
    """Every member of the zip, by name, within the size bounds."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UnreadableFile(DOCUMENT_UNREADABLE) from None
    if len(infos) > MAX_PACKAGE_MEMBERS or sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
        raise UnreadableFile(DOCUMENT_TOO_LARGE)
    members: dict[str, bytes] = {}
    try:
        for info in infos:
            if not info.is_dir():
                members[info.filename] = archive.read(info)
    except Exception:
        # Encrypted members, bad CRCs, unknown compression: all "damaged".
        raise UnreadableFile(DOCUMENT_UNREADABLE) from None
    return members


def write_package(members: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    """A new zip with fixed timestamps, so nothing tells when it was cleaned."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            stored = stored_first and index == 0  # ODF's "mimetype" member
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """The root element of an XML part, or UnreadableFile."""
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise UnreadableFile(DOCUMENT_UNREADABLE) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnreadableFile(DOCUMENT_UNREADABLE)
    return root


def serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def clean_media(data: bytes, removed: set[str]) -> bytes | None:
    """A picture re-encoded from its pixels (in the same format); None when
    it is not a picture we can re-encode (the caller puts a blank PNG in
    its place)."""
    media_type = sniff(data)
    if media_type not in PILLOW_FORMATS:
        return None
    try:
        image = clean_image(PILLOW_FORMATS[media_type], data, max_pixels=pixel_meter.left())
    except OverBudget:
        raise  # over the report's budget: the whole file is refused, not blanked
    except UnreadableFile:
        return None
    pixel_meter.charge(image.pixels)
    if image.removed:
        removed.add("office_image_metadata")
    return image.data


def blank_name(name: str) -> str:
    """Where the blank PNG standing in for ``name`` goes."""
    stem = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
    return stem + ".png"


def local_name(node: etree._Element | str) -> str:
    tag = node if isinstance(node, str) else node.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
