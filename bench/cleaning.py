"""Cleaning time per megabyte: `python -m bench.cleaning` (or `make bench-cleaning`).

For a phone photo (JPEG), a scanned-and-typed report (PDF with text and
photos) and a Word document with pictures (DOCX), each made here so the run
needs nothing from outside: seconds per input megabyte, in this process
(``attachments.clean``) and in the confined child process the intake uses
(``attachments.confinement.clean_confined``: fork from the server, limits,
pipe), the median of a few runs. The difference is what confinement costs.
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import docx
from docx.shared import Cm
from fpdf import FPDF
from PIL import Image

from hotline.intake.attachments import clean
from hotline.intake.attachments.confinement import clean_confined

RUNS = 5
MB = 1024 * 1024


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG with detail (noise over a gradient), as a phone makes."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    picture = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()


def small_photo() -> bytes:
    return phone_photo(1600, 1200)


def report_pdf(pages: int = 12) -> bytes:
    document = FPDF()
    document.set_author("Bench Author")
    photo = io.BytesIO(small_photo())
    for page in range(pages):
        document.add_page()
        document.set_font("helvetica", size=11)
        for line in range(30):
            document.cell(
                0, 6, f"Page {page + 1}, line {line + 1}: consignment declared below value"
            )
            document.ln()
        if page % 3 == 0:
            photo.seek(0)
            document.image(photo, x=20, y=200, w=120)
    return bytes(document.output())


def word_document(pictures: int = 4) -> bytes:
    document = docx.Document()
    document.core_properties.author = "Bench Author"
    for index in range(pictures):
        document.add_paragraph(
            f"Section {index + 1}. " + "Invoices split to stay under the threshold. " * 40
        )
        document.add_picture(io.BytesIO(small_photo()), width=Cm(12))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def seconds_per_mb(content: bytes, run: Callable[[bytes], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        run(content)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / (len(content) / MB)


def main() -> None:
    samples = {
        "JPEG (12 MP photo)": ("photo.jpg", phone_photo()),
        "PDF (12 pages, 4 photos)": ("report.pdf", report_pdf()),
        "DOCX (4 photos)": ("report.docx", word_document()),
    }
    clean_confined("warm-up.txt", None, b"start the fork server")
    print(f"{'file':<26} {'size MB':>8} {'s/MB in process':>16} {'s/MB confined':>14}")
    for label, (name, content) in samples.items():
        inline = seconds_per_mb(content, lambda c, n=name: clean(n, None, c))
        confined = seconds_per_mb(content, lambda c, n=name: clean_confined(n, None, c))
        print(f"{label:<26} {len(content) / MB:>8.2f} {inline:>16.3f} {confined:>14.3f}")


if __name__ == "__main__":
    main()
