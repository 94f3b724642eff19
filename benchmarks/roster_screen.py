"""What a site's list of names (PIPELINE_SCREEN_NAMES_FILE) costs the screen, and what it masks
in comments that name nobody on it.

Cost: the screen per comment over the 20,000 professor reviews of ../shared/data, without a
list, with a made-up one of 5,000 names (none of them in the reviews: the cost of looking)
and with a list of 1,600 common English first names × surnames (Michael, Sarah, Will, Mark;
Smith, Brown, Young, Long…): the worst case for words that are also names. Fastest of
``--repeats``; the ratios matter.

Masked: with the common-names list, how many reviews get a word masked, and (``--show``)
which words, to read by hand: a review names its professor ("Dr. Brown"), so most are real
names; a lower-case common word masked ("will", "young", "long") is a false finding.

Usage: ``python benchmarks/roster_screen.py [--repeats 3] [--show] [--json F]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REVIEWS = DATA / "professor_reviews" / "train.csv"
FIRST = [
    "James",
    "Mary",
    "Michael",
    "Patricia",
    "John",
    "Jennifer",
    "Robert",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Margaret",
    "Will",
    "Grace",
    "Hope",
    "Ray",
    "Frank",
    "Rose",
    "Jack",
    "Dawn",
    "Bill",
    "Joy",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Long",
    "Hall",
    "Wood",
]


def made_up(count: int) -> list[str]:
    """``count`` names no review holds: Qxa Qxb, …"""

    def part(i: int) -> str:
        letters = ""
        while True:
            i, rest = divmod(i, 26)
            letters = chr(ord("a") + rest) + letters
            if not i:
                return "Qx" + letters

    return [f"{part(i)} {part(i + count)}" for i in range(count)]


def fastest(run: Callable[[], object], repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="print each masked review")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    from pipeline.release.kinds import Kind
    from pipeline.release.roster import Roster
    from pipeline.release.screen import ReleaseScreen
    from pipeline.settings import Settings

    with REVIEWS.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    plain = ReleaseScreen.from_settings(Settings())
    common = [f"{first} {last}" for first in FIRST for last in LAST]
    screens = {
        "no list": plain,
        "5,000 made-up names": ReleaseScreen(plain.terms, Roster.from_lines(made_up(5000))),
        f"{len(common):,} common names": ReleaseScreen(plain.terms, Roster.from_lines(common)),
    }
    seconds = {
        name: fastest(lambda s=screen: [s.check(text) for text in texts], args.repeats)
        for name, screen in screens.items()
    }
    base = seconds["no list"]
    listed = screens[f"{len(common):,} common names"]
    words: Counter[str] = Counter()
    lower_case: Counter[str] = Counter()
    masked = 0
    for text in texts:
        spans = listed.roster.spans(text)
        masked += bool(spans)
        for _kind, start, end in spans:
            word = text[start:end]
            words[word] += 1
            lower_case[word] += word[:1].islower()
        if args.show and spans:
            print(listed.check(text, {Kind.NAME}).masked[:200])
    figures: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}",
        "reviews": len(texts),
        "us_per_comment": {n: round(s / len(texts) * 1e6, 1) for n, s in seconds.items()},
        "ratio_to_no_list": {n: round(s / base, 2) for n, s in seconds.items()},
        "common_names_masked_reviews": masked,
        "common_names_top_words": words.most_common(15),
        "common_names_lower_case_words": [(w, n) for w, n in lower_case.most_common(15) if n],
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
