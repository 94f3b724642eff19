"""fp32 batches with a padding cap against batches filled to the token budget, in one run.

An fp32 predictor (what ``auto`` runs on a CPU without native bf16 or VNNI: an AVX2 AMD EPYC,
an older Intel Xeon) pays for every token it pads. A worker hands it chunks of about 2 s of
work, a few hundred comments, too few for a batch filled up to the token budget at its
longest comment's width to hold comments of near that length. So an fp32 predictor's batches
are planned like the fp32 re-scoring's (``CPU_FP32_WASTE``: exact widths, each batch ending
before its padding passes 64 tokens); the baseline is the plan without that cap, the same
predictor with it off, timed in the same process, the two interleaved, best of ``--repeat``
each.

For each chunk size: seconds with and without the cap and their ratio, the padded and real
tokens of each plan, and the largest difference of a probability between the two (padding is
masked, so it should be rounding). Comments: ``benchmarks/comments.py`` (``--profile``).
Usage: ``python benchmarks/fp32_batches.py --rows 2000 --chunks 160 640 2048``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import PROFILES, comment_pool, iter_rows

from pipeline.model.predictor import Predictor
from pipeline.model.textprep import prepare_text


def labelled_in_chunks(predictor: Predictor, texts: Sequence[str], chunk: int) -> np.ndarray:
    """Probabilities of ``texts`` fed ``chunk`` at a time, as a worker feeds its chunks."""
    return np.concatenate(
        [predictor.predict_proba(texts[i : i + chunk]) for i in range(0, len(texts), chunk)]
    )


def planned_tokens(predictor: Predictor, texts: Sequence[str], chunk: int) -> tuple[int, int]:
    """(padded, real) tokens of the batches planned for ``texts`` in chunks of ``chunk``."""
    padded = real = 0
    for start in range(0, len(texts), chunk):
        prepared = [prepare_text(t) for t in texts[start : start + chunk]]
        for _, ids, mask in predictor._batches(prepared):
            padded += ids.size
            real += int(mask.sum())
    return padded, real


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--profile", choices=PROFILES, default="realistic")
    parser.add_argument("--chunks", type=int, nargs="+", default=[160, 640, 2048])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", default="default")
    args = parser.parse_args(argv)

    rows = iter_rows(args.rows, comment_pool(), profile=args.profile)
    texts = [row[-1] for row in rows if row[-1].strip()]
    predictor = Predictor.load(args.model, device="cpu", precision="fp32")
    cap = predictor._fp32_waste
    print(f"{len(texts)} {args.profile} comments, fp32, model {predictor.version}, cap {cap}")
    predictor.predict_proba(texts[:64])  # warm-up
    print(f"{'chunk':>6s} {'capped s':>9s} {'before s':>9s} {'ratio':>6s} "
          f"{'padded/real capped':>19s} {'before':>8s} {'max |dp|':>9s}")  # fmt: skip
    for chunk in args.chunks:
        seconds: dict[str, list[float]] = {"capped": [], "before": []}
        probs: dict[str, np.ndarray] = {}
        tokens: dict[str, tuple[int, int]] = {}
        for _ in range(args.repeat):
            for name, waste in (("before", None), ("capped", cap)):
                predictor._fp32_waste = waste
                started = time.perf_counter()
                probs[name] = labelled_in_chunks(predictor, texts, chunk)
                seconds[name].append(time.perf_counter() - started)
                tokens[name] = planned_tokens(predictor, texts, chunk)
        predictor._fp32_waste = cap
        capped, before = min(seconds["capped"]), min(seconds["before"])
        drift = float(np.nanmax(np.abs(probs["capped"] - probs["before"])))
        share = {name: padded / real for name, (padded, real) in tokens.items()}
        print(f"{chunk:6d} {capped:9.2f} {before:9.2f} {before / capped:5.2f}x "
              f"{share['capped']:19.3f} {share['before']:8.3f} {drift:9.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
