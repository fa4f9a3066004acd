"""Analytics benchmark on the scale study: 1,000 transcripts, 500 codes, 1,000,000 codings.

    createdb -h 127.0.0.1 -U postgres thematica_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/thematica_scale .venv/bin/python bench/analysis_bench.py

The study is `bench/scale_bench.py`'s (built here the same way if missing; `--codings N` builds a
smaller one with the same generator, slug `scale-bench-N`). Themes are added once: 10 overarching
themes each holding its level-1 code and that code's 9 sub-codes ("Theme 00" … ), with 40 detailed
sub-themes of 10 leaf codes under them, and "Merge target" holding the code with 2,000 codings (the
theme page's 2,000 excerpts). Then, median and p95 over the runs (after one warm-up):

- `themes.analysis.cooccurrence` over all 500 codes, in each mode (overlap is the headline);
- `crosstab` of codes and of themes by the `role` attribute, counting codings and participants;
- the theme page (`themes:detail`) of the 2,000-excerpt theme through the test client;
- `saturation`; and, for information, `frequencies` and the thematic map.

Each analysis is timed cold (the per-study cache of `coding.selectors.analysis` emptied before each
call: the first view after a change of the codings) and cached. Last line:
`cooccurrence_s= crosstab_s= theme_page_ms= saturation_s=` (cold medians; the crosstab is the slowest
of its four variants; the theme page p95), then the same analyses cached (`cached_*_s=`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from _django import setup
from _timing import p95, timed


def _build(codings: int) -> str:
    import scale_bench as scale

    if codings >= scale.CODINGS:
        slug = scale.SLUG
        scale.build(slug=slug, transcripts=scale.TRANSCRIPTS, codings=scale.CODINGS, big_code=scale.BIG_CODE_CODINGS,
                    target_code=scale.TARGET_CODE_CODINGS, reader_codings=scale.READER_CODINGS, reader_words=20_000,
                    words=3_000, codes_per_level=(10, 90, 400))  # fmt: skip
        return slug
    slug = f"scale-bench-{codings}"
    share = codings / scale.CODINGS
    scale.build(slug=slug, transcripts=max(10, round(scale.TRANSCRIPTS * share)), codings=codings,
                big_code=round(scale.BIG_CODE_CODINGS * share), target_code=scale.TARGET_CODE_CODINGS,
                reader_codings=round(scale.READER_CODINGS * share), reader_words=20_000, words=3_000,
                codes_per_level=(10, 90, 400))  # fmt: skip
    return slug


def _themes(slug: str) -> Any:
    """The bench's themes (see the module docstring), made once; returns the 2,000-excerpt theme."""
    from coding.models import Code
    from studies.models import Study
    from themes.models import Theme, ThemeCode

    study = Study.objects.get(slug=slug)
    codes = list(Code.objects.filter(study=study).order_by("pk"))
    target = Theme.objects.filter(study=study, name="Merge target").first()
    if target is not None:
        return target
    level0, level1, level2 = codes[:10], codes[10:100], codes[100:500]
    links = []
    tops = Theme.objects.bulk_create(Theme(study=study, name=f"Theme {i:02d}", order=i) for i in range(10))
    subs = Theme.objects.bulk_create(
        Theme(study=study, name=f"Detailed {i:02d}", parent=tops[i % 10], order=10 + i) for i in range(40)
    )
    for i, top in enumerate(tops):
        links.append(ThemeCode(theme=top, code=level0[i], order=0))
        links += [ThemeCode(theme=top, code=c, order=k + 1) for k, c in enumerate(level1[i * 9 : i * 9 + 9])]
    for i, sub in enumerate(subs):
        links += [ThemeCode(theme=sub, code=c, order=k) for k, c in enumerate(level2[i * 10 : i * 10 + 10])]
    target = Theme.objects.create(study=study, name="Merge target", order=60)
    links.append(ThemeCode(theme=target, code=codes[11], order=0))
    ThemeCode.objects.bulk_create(links)
    return target


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codings", type=int, default=1_000_000, help="size of the study (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    database = setup()
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from coding.selectors import visible_codings
    from interviews.models import Attribute
    from studies.models import Study
    from themes import analysis
    from themes.models import Theme

    slug = _build(args.codings)
    theme = _themes(slug)
    study = Study.objects.get(slug=slug)
    owner = study.memberships.order_by("pk").first().user  # type: ignore[union-attr]
    role = Attribute.objects.get(study=study, name="role")
    runs = args.runs
    seconds: dict[str, list[float]] = {}
    cached: dict[str, list[float]] = {}

    def measure(name: str, fn: Callable[[], object], n: int = runs) -> None:
        """Cold (the per-study cache emptied first: the first view after a change) and cached."""

        def cold() -> None:
            cache.clear()
            fn()

        seconds[name] = [ms / 1000 for ms in timed(cold, n)]
        cached[name] = [ms / 1000 for ms in timed(fn, n)]
        print(f"  {name}: median {_median(seconds[name]):.3f} s, p95 {p95(seconds[name]):.3f} s; "
              f"cached {_median(cached[name]):.3f} s", file=sys.stderr)  # fmt: skip

    for mode in analysis.MODES:
        measure(f"cooccurrence_{mode}", partial(analysis.cooccurrence, study, owner, mode=mode))
    measure("cooccurrence_overlap_jaccard", lambda: analysis.cooccurrence(study, owner, normalise="jaccard"))
    for rows in analysis.ROWS:
        for what in analysis.MEASURES:
            measure(f"crosstab_{rows}_{what}", partial(analysis.crosstab, study, owner, rows, role, what))
    measure("saturation", lambda: analysis.saturation(study, owner))
    measure("frequencies_transcript", lambda: analysis.frequencies(study, owner, by="transcript"))
    measure("thematic_map", lambda: analysis.thematic_map(study, owner))
    client = Client()
    client.force_login(owner)
    page = reverse("themes:detail", args=[slug, theme.uuid])

    def get_page() -> None:
        response = client.get(page)
        assert response.status_code == 200, response.status_code

    page_ms = timed(get_page, runs * 3)
    print(f"  theme page: median {_median(page_ms):.1f} ms, p95 {p95(page_ms):.1f} ms", file=sys.stderr)
    analytics_pages = {}
    for name in ("analytics_cooccurrence", "analytics_crosstab", "analytics_saturation", "analytics_map"):
        url = reverse(f"themes:{name}", args=[slug]) + ("?attribute=role" if name == "analytics_crosstab" else "")
        analytics_pages[name] = timed(partial(client.get, url), 3)

    live = visible_codings(study=study, user=owner).count()
    crosstab_worst = max(_median(v) for k, v in seconds.items() if k.startswith("crosstab_"))
    print(f"database: {database}")
    print(f"study {slug}: {study.transcripts.count()} transcripts, {live} live codings, {study.codes.count()} codes, "
          f"{Theme.objects.filter(study=study).count()} themes; theme page: {theme.name!r} with its code's 2,000 codings")  # fmt: skip
    for name, values in seconds.items():
        print(f"{name}: median {_median(values):.3f} s, p95 {p95(values):.3f} s "
              f"(cached: median {_median(cached[name]):.3f} s)")  # fmt: skip
    for name, values in analytics_pages.items():
        print(f"page {name}: median {_median(values):.0f} ms (default options)")
    print(f"theme page: median {_median(page_ms):.1f} ms, p95 {p95(page_ms):.1f} ms")
    crosstab_cached = max(_median(v) for k, v in cached.items() if k.startswith("crosstab_"))
    print(
        f"cooccurrence_s={_median(seconds['cooccurrence_overlap']):.2f} crosstab_s={crosstab_worst:.2f} "
        f"theme_page_ms={p95(page_ms):.1f} saturation_s={_median(seconds['saturation']):.2f} "
        f"cached_cooccurrence_s={_median(cached['cooccurrence_overlap']):.2f} cached_crosstab_s={crosstab_cached:.2f} "
        f"cached_saturation_s={_median(cached['saturation']):.2f}"
    )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(took {time.perf_counter() - started:.0f} s)", file=sys.stderr)
