"""Compare PDF cleaners on a directory of PDFs: `python -m bench.pdf_corpus DIR [OLD]`.

Not part of `make bench` (the corpora are not in the repository; see
docs/pdf-cleaning.md for where they come from). For every file: does poppler's
pdfinfo open it; does each engine clean or refuse it, how long it takes,
how large the output is; and what a raw scan of the output (qpdf --qdf, every
stream decompressed) still finds. OLD is an older cleaner module with a
``clean_pdf(content)`` function (the pypdf scrubber this replaced).

Engines: ``pypdf-pages`` and ``pikepdf-pages`` copy the pages into a new file
with each library and nothing else (what the library gives for free);
``pypdf-scrub`` is OLD; ``pikepdf-rebuild`` is hotline's cleaner. The
``*-images`` engines count the page images each library can decode to pixels.
"""

from __future__ import annotations

import importlib.util
import io
import json
import multiprocessing
import re
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

_TIMEOUT = 20
_LEAKS = {
    "info": re.compile(rb"/(Author|Creator|Producer|CreationDate|ModDate)\b"),
    "xmp": re.compile(rb"xmpmeta|/Metadata\b"),
    "ptex": re.compile(rb"/PTEX\."),
    "exif_gps": re.compile(rb"Exif\x00\x00|GPSLatitude"),
    "annotations": re.compile(rb"/Annots\b"),
    "piece_info": re.compile(rb"/PieceInfo\b|/LastModified\b"),
    "icc": re.compile(rb"/ICCBased\b"),
    "scripts": re.compile(rb"/JavaScript\b|/JS\b"),
    "embedded_files": re.compile(rb"/EmbeddedFile\b"),
}


def _pypdf_pages(content: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pikepdf_pages(content: bytes) -> bytes:
    import pikepdf

    with pikepdf.open(io.BytesIO(content)) as source:
        new = pikepdf.Pdf.new()
        new.pages.extend(source.pages)
        out = io.BytesIO()
        new.save(out, deterministic_id=True)
    return out.getvalue()


def _pypdf_images(content: bytes) -> tuple[int, int]:
    from pypdf import PdfReader

    ok = failed = 0
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        reader.decrypt("")
    for page in reader.pages:
        try:
            names = list(page.images.keys())
        except Exception:
            failed += 1
            continue
        for name in names:
            try:
                page.images[name].image.load()  # type: ignore[union-attr]
                ok += 1
            except Exception:
                failed += 1
    return ok, failed


def _pikepdf_images(content: bytes) -> tuple[int, int]:
    import pikepdf

    from hotline.intake.attachments.pdf_images import image_pixels

    ok = failed = 0
    with pikepdf.open(io.BytesIO(content)) as source:
        for page in source.pages:
            for image in page.images.values():
                try:
                    image_pixels(image).load()
                    ok += 1
                except Exception:
                    failed += 1
    return ok, failed


def _run(engine: str, path: str, old: str | None) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    content = Path(path).read_bytes()
    started = time.process_time()
    result: dict[str, Any] = {}
    try:
        if engine == "pypdf-pages":
            result["out"] = _pypdf_pages(content)
        elif engine == "pikepdf-pages":
            result["out"] = _pikepdf_pages(content)
        elif engine == "pypdf-images":
            result["images"] = _pypdf_images(content)
        elif engine == "pikepdf-images":
            result["images"] = _pikepdf_images(content)
        elif engine == "pikepdf-rebuild":
            from hotline.intake.attachments.pdf import clean_pdf

            cleaned = clean_pdf(content)
            result["out"] = cleaned[0] if cleaned else None
        elif engine == "pypdf-scrub" and old:
            spec = importlib.util.spec_from_file_location("old_cleaner", old)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            cleaned = module.clean_pdf(content)
            result["out"] = cleaned[0] if cleaned else None
    except Exception as error:
        result["error"] = type(error).__name__
    result["cpu"] = time.process_time() - started
    return result


def _leaks(data: bytes) -> list[str]:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        try:
            qdf = subprocess.run(
                ["qpdf", "--qdf", "--object-streams=disable", handle.name, "-"],
                capture_output=True,
                timeout=60,
                check=False,
            ).stdout
        except subprocess.TimeoutExpired:
            qdf = b""
    return [name for name, pattern in _LEAKS.items() if pattern.search(qdf or data)]


def _text(data: bytes) -> str:
    """The page text poppler extracts, whitespace removed: did the pages survive?"""
    # A file, not stdin: a pipe's write end inherited by a forked worker
    # would keep pdftotext waiting for the end of its input.
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        try:
            run = subprocess.run(
                ["pdftotext", "-q", handle.name, "-"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=30,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return "(timeout)"
    return re.sub(r"\s+", "", run.stdout.decode("utf-8", "replace"))


def _opens_in_poppler(path: Path) -> bool:
    try:
        run = subprocess.run(["pdfinfo", str(path)], capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return False
    return run.returncode == 0


def main(directory: str, old: str | None = None, only: str | None = None) -> None:
    files = sorted(p for p in Path(directory).iterdir() if p.is_file())
    engines = ["pypdf-pages", "pikepdf-pages", "pypdf-scrub", "pikepdf-rebuild"]
    engines += ["pypdf-images", "pikepdf-images"]
    if only:
        engines = [e for e in engines if e in only.split(",")]
    context = multiprocessing.get_context("forkserver")
    rows: dict[str, dict[str, Any]] = {}
    texts: dict[str, str] = {}
    for path in files:
        rows[path.name] = {"size": path.stat().st_size, "poppler": _opens_in_poppler(path)}
        texts[path.name] = _text(path.read_bytes()) if rows[path.name]["poppler"] else ""
    for engine in engines:
        pool = context.Pool(1, maxtasksperchild=50)
        for path in files:
            task = pool.apply_async(_run, (engine, str(path), old))
            try:
                outcome = task.get(_TIMEOUT)
            except multiprocessing.TimeoutError:
                pool.terminate()
                pool = context.Pool(1, maxtasksperchild=50)
                outcome = {"error": "timeout", "cpu": float(_TIMEOUT)}
            out = outcome.pop("out", None)
            if out is not None:
                outcome["out_size"] = len(out)
                outcome["leaks"] = _leaks(out)
                if engine in ("pypdf-scrub", "pikepdf-rebuild"):
                    outcome["text_same"] = _text(out) == texts[path.name]
            elif "images" not in outcome and "error" not in outcome:
                outcome["error"] = "kept-encrypted"
            rows[path.name][engine] = outcome
        pool.terminate()
        print(engine, "done", file=sys.stderr)
    results = f"pdf_corpus_results-{'+'.join(engines)}.json"
    (Path(directory).parent / results).write_text(json.dumps(rows, indent=1))
    _summary(rows, engines)


def _summary(rows: dict[str, dict[str, Any]], engines: list[str]) -> None:
    valid = [r for r in rows.values() if r["poppler"]]
    print(f"files: {len(rows)}, of which pdfinfo opens {len(valid)}")
    for engine in engines:
        outcomes = [r[engine] for r in rows.values()]
        refused = sum(1 for r in valid if r[engine].get("error") not in (None, "kept-encrypted"))
        timeouts = sum(1 for o in outcomes if o.get("error") == "timeout")
        cpu = [o["cpu"] for o in outcomes]
        line = (
            f"{engine}: refused {refused}/{len(valid)} valid (timeouts {timeouts}); "
            f"cpu total {sum(cpu):.0f}s median {statistics.median(cpu) * 1000:.0f}ms "
            f"max {max(cpu):.1f}s"
        )
        if engine.endswith("images"):
            ok = sum(o.get("images", (0, 0))[0] for o in outcomes)
            failed = sum(o.get("images", (0, 0))[1] for o in outcomes)
            line += f"; images decoded {ok}, not decoded {failed}"
        else:
            done = [r for r in rows.values() if "out_size" in r[engine]]
            size_in = sum(r["size"] for r in done)
            size_out = sum(r[engine]["out_size"] for r in done)
            leaks: dict[str, int] = {}
            for r in done:
                for leak in r[engine]["leaks"]:
                    leaks[leak] = leaks.get(leak, 0) + 1
            leaky = sum(1 for r in done if r[engine]["leaks"])
            changed = sum(1 for r in done if r[engine].get("text_same") is False)
            line += (
                f"; output {size_out / max(size_in, 1):.2f}x input over {len(done)} files; "
                f"files with a finding {leaky}: {json.dumps(leaks, sort_keys=True)}; "
                f"page text differs from the input's in {changed}"
            )
        print(line)


if __name__ == "__main__":
    main(*sys.argv[1:4])
