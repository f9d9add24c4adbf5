"""Where a web submission's CPU goes: cProfile over the real submission path.

``python -m bench.profile [COUNT]`` files COUNT reports (GET the form, POST
600 characters) through Flask's test client with the real KDF cost, and prints
the functions with the most CPU, with and without the codename derivation.
HTTP parsing by gunicorn is not in this picture (the throughput benchmark is).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time

from bench.instance import temporary_instance
from hotline import create_app
from tests.helpers.client import hidden
from tests.helpers.load import report_text
from tests.helpers.servers import ONION_HOST


def profile(count: int = 40, top: int = 35) -> str:
    # As through the onion service: one address for all, no per-address limit.
    with temporary_instance(onion_url=f"http://{ONION_HOST}") as config:
        app = create_app(config)
        client = app.test_client()
        client.environ_base["hotline.onion"] = True  # as gunicorn's onion listener says
        base = f"http://{ONION_HOST}"

        def one(index: int) -> None:
            client.delete_cookie("hl", domain=ONION_HOST)
            page = client.get("/report?category=other", base_url=base).get_data(as_text=True)
            reply = client.post(
                "/report",
                base_url=base,
                data={
                    "csrf_token": hidden(page, "csrf_token"),
                    "form_token": hidden(page, "form_token"),
                    "category": "other",
                    "body": report_text(f"HL{index:08d}"),
                    "attachment": (io.BytesIO(b""), ""),  # a browser sends the empty file field
                },
            )
            assert reply.status_code == 200, reply.status_code

        for index in range(5):  # warm: imports, template compilation, connections
            one(index)
        profiler = cProfile.Profile(time.process_time)
        began = time.process_time()
        profiler.enable()
        for index in range(count):
            one(1000 + index)
        profiler.disable()
        spent = time.process_time() - began
        app.extensions["hotline"].database.dispose()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    raw: dict[tuple[str, int, str], tuple[float, ...]] = stats.stats  # type: ignore[attr-defined]
    scrypt = sum(value[2] for key, value in raw.items() if "scrypt" in key[2])
    print(
        f"{count} submissions: {spent / count * 1000:.1f} ms CPU each under the profiler, "
        f"scrypt {scrypt / count * 1000:.1f} ms each "
        f"({scrypt / spent:.0%}); the rest {(spent - scrypt) / count * 1000:.1f} ms.\n",
        file=out,
    )
    print("Own CPU by package (profiled; the profiler inflates Python code, not scrypt):", file=out)
    for name, seconds in by_package(stats):
        print(f"  {name:28} {seconds / count * 1000:7.2f} ms per submission", file=out)
    print("", file=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top + 25)
    return out.getvalue()


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time (tottime) summed per library, per hotline module and per template."""
    totals: dict[str, float] = {}
    raw: dict[tuple[str, int, str], tuple[float, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, function), value in raw.items():
        if "site-packages/" in filename:
            name = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/templates/" in filename:
            name = "templates (Jinja)"
        elif "/hotline/" in filename:
            name = "hotline/" + filename.split("/hotline/", 1)[1]
        elif filename == "~":
            name = "scrypt" if "scrypt" in function else "built-ins (C)"
        else:
            name = "python stdlib"
        totals[name] = totals.get(name, 0.0) + value[2]
    return sorted(totals.items(), key=lambda item: -item[1])[:20]


if __name__ == "__main__":
    print(profile(int(sys.argv[1]) if len(sys.argv) > 1 else 40))
