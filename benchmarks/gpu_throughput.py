"""GPU throughput: the shipped model in bf16 with length-bucketed batches, fed by tokenizer
processes, against the Hugging Face pipeline on the same GPU (target: >= 100,000 comments/s).

Prepared to be run once on a machine with a CUDA GPU; nothing in the product needs a GPU. On
one realistic comment file (benchmarks/comments.py):

1. baseline: ``transformers.pipeline("text-classification")`` on the GPU (fp32, batch 32, as
   the CPU baseline), on the first ``--hf-rows`` comments;
2. the product's Predictor on the GPU (``device=cuda``, bf16 with fp32 re-scoring of the
   unsure comments), on the same comments;
3. the fast path: ``--procs`` processes tokenize blocks of comments (the product's
   WindowEncoder) while the GPU scores the previous blocks: windows sorted by length inside a
   block, batches filled up to ``--max-tokens`` tokens (padded to a multiple of 8), bf16,
   pinned host memory and non-blocking copies, one synchronisation per block;
4. the fast path's model alone on pre-tokenized blocks (the GPU's ceiling) and the tokenizer
   processes alone (the CPU's).

Label agreement with the product's fp32 predictor is reported on the baseline's comments.
Usage (GPU): ``python benchmarks/gpu_throughput.py --rows 1000000``; a dry run on a CPU
checks the script: ``python benchmarks/gpu_throughput.py --device cpu --rows 3000
--hf-rows 300 --procs 2``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comments import write_comments

TEXT = "comment"
Block = tuple[int, np.ndarray, np.ndarray, np.ndarray]
"""(index of the block's first comment, token ids back to back, window lengths, owners)."""

_encoder: Any = None


def _start_tokenizer(tokenizer: Any, max_length: int) -> None:
    """Pool initializer: each process keeps the product's window encoder, single-threaded."""
    global _encoder
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    from pipeline.model.encoding import WindowEncoder

    _encoder = WindowEncoder(tokenizer, max_length, stride=max(1, max_length // 4))


def _tokenize(job: tuple[int, list[str]]) -> Block:
    start, texts = job
    windows = _encoder.encode(texts)
    return (
        start,
        windows.flat.astype(np.int32),
        windows.lengths.astype(np.int32),
        windows.owners.astype(np.int32),
    )


def tokenizer_pool(loaded: Any, procs: int) -> Any:
    """``procs`` processes holding the tokenizer; started once, before any timing."""
    context = mp.get_context("spawn")  # never fork a process that may hold a CUDA context
    setup = (loaded.tokenizer, loaded.max_length)
    return context.Pool(procs, initializer=_start_tokenizer, initargs=setup)


def tokenized_blocks(pool: Any, texts: Sequence[str], block: int) -> Iterator[Block]:
    """Blocks in order, tokenized by the pool's processes ahead of the consumer."""
    jobs = ((start, list(texts[start : start + block])) for start in range(0, len(texts), block))
    yield from pool.imap(_tokenize, jobs)


def plan_token_batches(
    lengths: np.ndarray, max_tokens: int, max_rows: int, multiple: int
) -> list[np.ndarray]:
    """Windows sorted by length, longest first, cut into batches of at most ``max_tokens``
    padded tokens (widths rounded up to ``multiple``) and ``max_rows`` rows."""
    order = np.argsort(-lengths, kind="stable")
    batches = []
    start = 0
    while start < len(order):
        width = -(-int(lengths[order[start]]) // multiple) * multiple
        rows = max(1, min(max_rows, max_tokens // width))
        batches.append(order[start : start + rows])
        start += rows
    return batches


class FastScorer:
    """The shipped model in bf16 on one device, scoring tokenized blocks."""

    def __init__(self, loaded: Any, device: str, args: argparse.Namespace) -> None:
        import torch

        self.torch = torch
        self.loaded = loaded
        self.device = device
        self.model = loaded.model.to(device=device, dtype=torch.bfloat16).eval()
        if args.compile:
            self.model = torch.compile(self.model, dynamic=True)
        self.pad_id = int(loaded.tokenizer.pad_token_id or 0)
        self.max_tokens = args.max_tokens
        self.max_rows = args.max_rows
        self.multiple = args.multiple
        self.pin = device == "cuda"

    def score(self, block: Block, n_texts: int) -> np.ndarray:
        """Mean window probabilities per comment of the block (float32, n_texts × classes)."""
        from pipeline.model.batching import average_windows, pad_slices

        torch = self.torch
        _start, flat, lengths, owners = block
        flat64, lengths64 = flat.astype(np.int64), lengths.astype(np.int64)
        starts = np.zeros(len(lengths64), dtype=np.int64)
        np.cumsum(lengths64[:-1], out=starts[1:])
        outputs, order = [], []
        with torch.inference_mode():
            for rows in plan_token_batches(
                lengths64, self.max_tokens, self.max_rows, self.multiple
            ):
                ids, mask = pad_slices(flat64, starts[rows], lengths64[rows], self.pad_id)
                width = -(-ids.shape[1] // self.multiple) * self.multiple
                if width != ids.shape[1]:
                    ids = np.pad(
                        ids, ((0, 0), (0, width - ids.shape[1])), constant_values=self.pad_id
                    )
                    mask = np.pad(mask, ((0, 0), (0, width - mask.shape[1])))
                ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
                if self.pin:
                    ids_t, mask_t = ids_t.pin_memory(), mask_t.pin_memory()
                logits = self.model(
                    input_ids=ids_t.to(self.device, non_blocking=True),
                    attention_mask=mask_t.to(self.device, non_blocking=True),
                ).logits
                outputs.append(torch.softmax(logits.float(), dim=-1))
                order.append(rows)
            probs = torch.cat(outputs).cpu().numpy()  # the block's one synchronisation
        window_probs = np.empty_like(probs)
        window_probs[np.concatenate(order)] = probs
        return average_windows(window_probs, owners, n_texts).astype(np.float32)


def run_fast(
    scorer: FastScorer, pool: Any, texts: Sequence[str], args: argparse.Namespace
) -> tuple[float, np.ndarray]:
    out = np.empty((len(texts), 3), dtype=np.float32)
    started = time.perf_counter()
    for block in tokenized_blocks(pool, texts, args.block):
        start = block[0]
        n = min(args.block, len(texts) - start)
        out[start : start + n] = scorer.score(block, n)
    if scorer.device == "cuda":
        scorer.torch.cuda.synchronize()
    return time.perf_counter() - started, out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--hf-rows", type=int, default=20_000, help="comments for baseline")
    parser.add_argument("--model", default=os.environ.get("PIPELINE_MODEL", "default"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--procs", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    parser.add_argument("--block", type=int, default=16_384, help="comments per tokenized block")
    parser.add_argument("--max-tokens", type=int, default=131_072, help="padded tokens per batch")
    parser.add_argument("--max-rows", type=int, default=4096, help="rows per batch")
    parser.add_argument("--multiple", type=int, default=8, help="pad widths to a multiple")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import torch
    from transformers import pipeline

    from pipeline.model.loading import load_model
    from pipeline.model.predictor import Predictor

    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU here; run with --device cpu for a dry run")
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "gpu-throughput"
    source = write_comments(folder / f"comments-{args.rows}.csv", args.rows)
    texts = pd.read_csv(source, dtype=str, keep_default_na=False)[TEXT].tolist()
    texts = [t if t.strip() else "." for t in texts]  # blanks: the product skips them anyway
    sample = texts[: args.hf_rows]
    figures: dict[str, Any] = {
        "rows": len(texts),
        "device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
        "torch": torch.__version__,
        "procs": args.procs,
        "settings": {k: getattr(args, k) for k in ("block", "max_tokens", "max_rows", "multiple")},
    }

    def sync() -> None:
        if args.device == "cuda":
            torch.cuda.synchronize()

    loaded = load_model(args.model)
    classify = pipeline(
        "text-classification",
        model=loaded.model.to(args.device),
        tokenizer=loaded.tokenizer,
        device=args.device,
        batch_size=32,
        top_k=None,
        truncation=True,
        max_length=loaded.max_length,
    )
    classify(sample[:256])
    sync()
    started = time.perf_counter()
    classify(sample)
    sync()
    figures["hf_pipeline_rate"] = len(sample) / (time.perf_counter() - started)

    reference = Predictor.load(args.model, device=args.device, precision="fp32")
    fp32 = reference.predict_proba(sample)
    product = Predictor.load(args.model, batch_size=256, device=args.device)
    product.predict_proba(sample[:256])
    sync()
    started = time.perf_counter()
    ours = product.predict_proba(sample)
    sync()
    figures["product_predictor_rate"] = len(sample) / (time.perf_counter() - started)
    figures["product_predictor_agree_fp32"] = float((ours.argmax(1) == fp32.argmax(1)).mean())

    scorer = FastScorer(load_model(args.model), args.device, args)
    with tokenizer_pool(scorer.loaded, args.procs) as pool:
        warm = texts[: min(len(texts), 2 * args.block)]
        run_fast(scorer, pool, warm, args)  # starts the processes, compiles, warms the GPU
        seconds, fast = run_fast(scorer, pool, texts, args)
        figures["fast_path_rate"] = len(texts) / seconds
        agree = float((fast[: len(sample)].argmax(1) == fp32.argmax(1)).mean())
        figures["fast_path_agree_fp32"] = agree
        started = time.perf_counter()
        blocks = list(tokenized_blocks(pool, texts, args.block))
        figures["tokenizer_processes_rate"] = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    for block in blocks:
        scorer.score(block, min(args.block, len(texts) - block[0]))
    sync()
    figures["model_alone_rate"] = len(texts) / (time.perf_counter() - started)
    if args.device == "cuda":
        figures["gpu_peak_memory_gb"] = torch.cuda.max_memory_allocated() / 1e9
    figures["fast_vs_hf_pipeline"] = figures["fast_path_rate"] / figures["hf_pipeline_rate"]
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
