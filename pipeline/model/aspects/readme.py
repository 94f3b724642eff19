"""The aspect model's README.md: its card for people (categories, figures, how it was made)."""

from __future__ import annotations

from typing import Any


def render_readme(card: dict[str, Any]) -> str:
    held = card.get("held_out", {})
    per_category = held.get("detection", {}).get("per_category", {})
    rows = "\n".join(
        f"| `{name}` | {meaning} | {_f(per_category.get(name, {}).get('f1'))} | "
        f"{per_category.get(name, {}).get('support', '-')} |"
        for name, meaning in card.get("descriptions", {}).items()
    )
    detection = held.get("detection", {})
    polarity = "\n".join(
        f"| {name} | {_f(report.get('accuracy'))} | {report.get('n')} |"
        for name, report in held.get("polarity", {}).items()
    )
    by_comment = held.get("polarity_head_by_comment", {})
    mixed = by_comment.get("mixed", {})
    one = by_comment.get("one_polarity", {})
    split = (
        f"\n\n`polarity_head` on comments that praise one aspect and criticise another: "
        f"{_f(mixed.get('accuracy'))} ({mixed.get('n')} pairs); on the rest: "
        f"{_f(one.get('accuracy'))} ({one.get('n')} pairs)."
        if by_comment
        else ""
    )
    zero = card.get("zero_shot_baseline", {})
    baselines = "\n".join(
        f"| zero-shot, {name.replace('_', ' ')} | {_f(r.get('micro_f1'))} | "
        f"{_f(r.get('macro_f1'))} |"
        for name, r in zero.items()
    )
    cv = "\n".join(
        f"| {name} | {len(report.get('per_category', {}))} | {_f(report.get('micro_f1'))} | "
        f"{_f(report.get('macro_f1'))} |"
        for name, report in card.get("cross_validation", {}).get("detection", {}).items()
    )
    polarity_head = card.get("polarity_head", {})
    rule = card.get("polarity_rule", {})
    data = card.get("data", {})
    authored = (
        f" Also trained on {data['authored_comments']} authored comments "
        f"(`{data.get('authored_file')}`, pairs weighed "
        f"{polarity_head.get('authored_weight', 1.0)} by the polarity heads), never held out."
        if data.get("authored_comments")
        else ""
    )
    training = card.get("training", {})
    return f"""# Aspect model {card.get("version")}

What a comment is about (multi-label, granularity `{card.get("granularity")}`) and the
sentiment of each aspect. Features: {card.get("encoder")} (a clause's vector is the mean of
its comment's token states over the clause, from the comment's own pass); a logistic
regression per category over the sentence embedding and TF-IDF words and word pairs; a
category's probability is the highest of the comment's and its clauses'. Aspect sentiment:
the clauses
most about the aspect, read by two small heads whose probabilities are averaged (share of the
wording head: {polarity_head.get("wording_share")}): the *sentiment head* over the sentiment
model's probabilities of those clauses and of the whole comment, and the *wording head* over
those clauses' sentence embedding and the words of the one most about the aspect. The
sentiment model was fine-tuned on the training comments, so its outputs there are better
than on new text and a head trained on them over-trusts them; the wording head's inputs
never saw a label. The sentiment model reads the clauses of comments with at least
{rule.get("min_aspects", 1)} detected aspect(s) whose top label probability is under
{rule.get("read_below", 1.01)}; elsewhere the comment's own probabilities are the evidence.

Data: `{data.get("file")}`, {data.get("train_comments")} comments to train,
{data.get("held_out_comments")} held out: {data.get("held_out")}.{authored} Trained by
`{training.get("command")}` in {training.get("seconds")} s on {training.get("hardware")}.

## Categories (held-out F1)

| category | meaning | F1 | n |
|---|---|---|---|
{rows}

## Held-out figures

Aspect detection: micro-F1 {_f(detection.get("micro_f1"))}, macro-F1
{_f(detection.get("macro_f1"))}.

| baseline | micro-F1 | macro-F1 |
|---|---|---|
{baselines}

Per-aspect sentiment, over (comment, annotated aspect) pairs whose polarity is positive,
negative or neutral (`mixed` and `none` pairs are not scored); `polarity_head` is what the
tagger uses, the others are its parts and the baselines:

| method | accuracy | pairs |
|---|---|---|
{polarity}{split}

## Granularities, 5-fold cross-validation on the training part

| granularity | categories | micro-F1 | macro-F1 |
|---|---|---|---|
{cv}
"""


def _f(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "-"
