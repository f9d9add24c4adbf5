"""Words for what the receipt tells a reporter: where the report went, and about each file."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from hotline.instance import current

#: What attachments.clean() may remove, in the reporter's words.
REMOVED_LABELS = {
    "exif": _l("camera details"),
    "gps": _l("location"),
    "xmp": _l("editing history"),
    "icc_profile": _l("colour profile"),
    "iptc": _l("caption and author"),
    "comment": _l("comments"),
    "png_text": _l("hidden text"),
    "timestamp": _l("dates"),
    "thumbnail": _l("thumbnail"),
    "embedded_images": _l("hidden extra pictures"),
    "trailing_data": _l("hidden data after the picture"),
    "animation_frames": _l("animation (only the first picture kept)"),
    "other_metadata": _l("other hidden details"),
    "pdf_document_info": _l("author and program"),
    "pdf_xmp": _l("editing history"),
    "pdf_file_id": _l("file identifier"),
    "pdf_incremental_updates": _l("earlier versions"),
    "pdf_javascript": _l("scripts"),
    "pdf_actions": _l("automatic actions"),
    "pdf_embedded_files": _l("files inside the PDF"),
    "pdf_annotation_metadata": _l("comment authors"),
    "pdf_signatures": _l("signatures"),
    "pdf_piece_info": _l("program data"),
    "pdf_thumbnails": _l("thumbnails"),
    "pdf_file_paths": _l("file paths"),
    "pdf_image_metadata": _l("camera details of pictures inside"),
    "pdf_annotations": _l("notes, links and form fields (what they show is kept)"),
    "pdf_images_dropped": _l("pictures that could not be cleaned"),
    "pdf_damaged_content": _l("damaged parts of pages"),
    "office_properties": _l("author and program"),
    "office_comments": _l("comments and their authors"),
    "office_revisions": _l("tracked changes and their authors"),
    "office_revision_ids": _l("editing session numbers"),
    "office_custom_xml": _l("custom data"),
    "office_printer_settings": _l("printer settings"),
    "office_embedded_objects": _l("embedded objects"),
    "office_macros": _l("macros"),
    "office_settings": _l("program settings"),
    "office_external_links": _l("links to other files"),
    "office_file_paths": _l("file paths"),
    "office_image_metadata": _l("camera details of pictures inside"),
    "office_media_dropped": _l("pictures that could not be cleaned"),
}


def removed_labels(keys: tuple[str, ...]) -> list[str]:
    """Distinct labels, in order, for the removed keys (unknown keys kept as they are)."""
    labels: list[str] = []
    for key in keys:
        label = str(REMOVED_LABELS.get(key, key))
        if label not in labels:
            labels.append(label)
    return labels


def queue_labels(slugs: tuple[str, ...]) -> list[str]:
    """The queues' names in the page's language, from the policy (rra.toml)."""
    policy = current().policy
    language = str(get_locale())
    return [policy.queue_label(slug, language) for slug in slugs]
