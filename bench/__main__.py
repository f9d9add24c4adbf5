"""Run the benchmarks, print one table, and write bench/results.md."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from bench.instance import temporary_instance
from bench.page_weight import BUDGET, measure

RESULTS = Path(__file__).parent / "results.md"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        cpu = model
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    lines = ["# Benchmark results", "", f"Machine: {machine()}", ""]
    with temporary_instance() as config:
        weights = measure(config)
    lines += [
        "## Reporter page weight (gzip -9, HTML + CSS)",
        "",
        f"Budget: {BUDGET:,} bytes (one round trip on a new connection).",
        "",
        "| page | language | HTML | CSS | total | within budget |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for w in weights:
        ok = "yes" if w.total <= BUDGET else "NO"
        lines.append(
            f"| {w.page} | {w.language} | {w.html_gzip:,} | {w.css_gzip:,} | {w.total:,} | {ok} |"
        )
    heaviest = max(weights, key=lambda w: w.total)
    lines += [
        "",
        f"Heaviest reporter page: {heaviest.page} ({heaviest.language}), "
        f"{heaviest.total:,} bytes gzip.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.write_text(text)
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    print(f"(commit {git.stdout.strip()}; written to {RESULTS})")


if __name__ == "__main__":
    main()
