"""Rebuild OpenDocument text, spreadsheet and presentation files.

The new package holds the ``mimetype``, ``content.xml``, ``styles.xml`` and
the pictures under ``Pictures/`` (re-encoded from their pixels, or blank
when they cannot be), with a manifest listing exactly those. Never copied:
``meta.xml`` (author, dates, editing time, program), ``settings.xml``
(printer, window and user settings), thumbnails, embedded objects, macros
and scripts, the RDF metadata. In the XML kept, comments (with their authors
and dates) are removed, tracked changes are accepted (their authors, dates
and deleted text removed), and embedded objects, scripts and event
listeners are removed.
"""

from __future__ import annotations

from lxml import etree

from hotline.intake.attachments.errors import UnreadableFile
from hotline.intake.attachments.office_package import (
    BLANK_PNG,
    DOCUMENT_UNREADABLE,
    blank_name,
    clean_media,
    local_name,
    open_package,
    parse_xml,
    serialise,
    write_package,
)
from hotline.intake.attachments.sniffing import sniff

#: The OpenDocument types we rebuild (and their templates).
ODF_TYPES = frozenset(
    f"application/vnd.oasis.opendocument.{kind}{template}"
    for kind in ("text", "spreadsheet", "presentation")
    for template in ("", "-template")
)

_MANIFEST = "META-INF/manifest.xml"
_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_XML_PARTS = ("content.xml", "styles.xml")
_DROPPED_LABELS = {
    "meta.xml": "office_properties",
    "settings.xml": "office_settings",
    "Thumbnails/": "thumbnail",
    "Object ": "office_embedded_objects",
    "ObjectReplacements/": "office_embedded_objects",
    "Basic/": "office_macros",
    "Scripts/": "office_macros",
    "manifest.rdf": "office_properties",
}
# Element local names removed wherever they are, and what we report.
_REMOVED_ELEMENTS = {
    "annotation": "office_comments",
    "annotation-end": "office_comments",
    "tracked-changes": "office_revisions",
    "change": "office_revisions",
    "change-start": "office_revisions",
    "change-end": "office_revisions",
    "object": "office_embedded_objects",
    "object-ole": "office_embedded_objects",
    "applet": "office_embedded_objects",
    "plugin": "office_embedded_objects",
    "scripts": "office_macros",
    "event-listeners": "office_macros",
    "event-listener": "office_macros",
}


def clean_odf(content: bytes) -> tuple[bytes, tuple[str, ...]] | None:
    """A new package with the content only, or None when the document is
    encrypted (we cannot read it, so it is kept with the warning)."""
    members = open_package(content)
    mimetype = members.get("mimetype", b"").decode("ascii", "replace").strip()
    if mimetype not in ODF_TYPES or "content.xml" not in members:
        raise UnreadableFile(DOCUMENT_UNREADABLE)
    if _MANIFEST in members and b"encryption-data" in members[_MANIFEST]:
        return None
    removed: set[str] = set()
    for name in members:
        for prefix, label in _DROPPED_LABELS.items():
            if name.startswith(prefix):
                removed.add(label)

    pictures: dict[str, bytes] = {}
    renamed: dict[str, str] = {}
    for name in sorted(members):
        if name.startswith("Pictures/") and not name.endswith("/"):
            cleaned = clean_media(members[name], removed)
            if cleaned is None:
                removed.add("office_media_dropped")
                renamed[name] = blank_name(name)
                pictures[renamed[name]] = BLANK_PNG
            else:
                pictures[name] = cleaned

    parts: list[tuple[str, bytes]] = [("mimetype", mimetype.encode("ascii"))]
    for name in _XML_PARTS:
        if name in members:
            root = parse_xml(members[name])
            _clean_tree(root, renamed, set(pictures), removed)
            parts.append((name, serialise(root)))
    parts.extend(sorted(pictures.items()))
    version = _office_version(parts)
    parts.append((_MANIFEST, _manifest(mimetype, version, parts)))
    return write_package(parts, stored_first=True), tuple(sorted(removed))


def _clean_tree(
    root: etree._Element, renamed: dict[str, str], kept: set[str], removed: set[str]
) -> None:
    for node in list(root.iter()):
        if not isinstance(node.tag, str) or node is root:
            continue
        name = local_name(node)
        label = _REMOVED_ELEMENTS.get(name)
        if etree.QName(node).namespace == _DC:
            label = "office_comments"
        href = node.get(_XLINK_HREF)
        if href is not None and label is None:
            target = href.removeprefix("./")
            if target in renamed:
                node.set(_XLINK_HREF, renamed[target])
            elif not _is_remote(href) and target not in kept and name == "image":
                label = "office_embedded_objects"
            elif href.lower().startswith("file:"):
                # A link to a file on the author's computer names its folders.
                del node.attrib[_XLINK_HREF]
                removed.add("office_file_paths")
        if label is not None:
            removed.add(label)
            _remove(node)


def _is_remote(href: str) -> bool:
    return href.lower().startswith(("http://", "https://", "mailto:", "#"))


def _remove(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)
    # A frame left empty once its object or picture is gone shows nothing.
    if local_name(parent) == "frame" and len(parent) == 0:
        _remove(parent)


def _office_version(parts: list[tuple[str, bytes]]) -> str:
    """The ODF version content.xml declares (the manifest must say the same)."""
    for name, data in parts:
        if name == "content.xml":
            root = parse_xml(data)
            return root.get(f"{{{_OFFICE}}}version") or "1.2"
    return "1.2"


def _manifest(mimetype: str, version: str, parts: list[tuple[str, bytes]]) -> bytes:
    ns = _MANIFEST_NS
    root = etree.Element(f"{{{ns}}}manifest", nsmap={"manifest": ns})
    root.set(f"{{{ns}}}version", version)
    entry = etree.SubElement(root, f"{{{ns}}}file-entry")
    entry.set(f"{{{ns}}}full-path", "/")
    entry.set(f"{{{ns}}}media-type", mimetype)
    for name, data in parts:
        if name == "mimetype":
            continue
        entry = etree.SubElement(root, f"{{{ns}}}file-entry")
        entry.set(f"{{{ns}}}full-path", name)
        entry.set(f"{{{ns}}}media-type", "text/xml" if name.endswith(".xml") else sniff(data))
    return serialise(root)
