"""A distilled student on a tiny random BERT: pruning keeps the chosen layers, the checkpoint
stores everything but the word embeddings (in float16), and both loaders (bert.py's and
transformers') read them back from the base the card names, to the same logits. A wrong or
incomplete base is refused rather than labelling with random embeddings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from test_serving import CONFIG, write_tokenizer

from pipeline.errors import ConfigError, ModelLoadError
from pipeline.model import bert, distill, serving, student
from pipeline.model.loading import CARD_FILE, load_model

TEACHER_LAYERS = 3


def _teacher() -> Any:
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(**{**CONFIG, "num_hidden_layers": TEACHER_LAYERS})
    return BertForSequenceClassification(config).eval()


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """The teacher's encoder saved as a ``BertModel`` (what the base package ships)."""
    folder = tmp_path / "base"
    _teacher().bert.save_pretrained(folder)
    write_tokenizer(folder, pad_token="[PAD]", model_max_length=16)
    return folder


def _student_dir(tmp_path: Path, base: Path, keep: tuple[int, ...] = (0, 2)) -> Path:
    out = tmp_path / "student"
    pruned = distill.prune(_teacher(), keep)
    shapes = student.save_student(pruned, out, [student.WORD_EMBEDDINGS])
    card = {
        "labels": ["negative", "positive"],
        "base_model": str(base),
        student.SHARED_FIELD: [student.WORD_EMBEDDINGS],
        "shared_shapes": shapes,
    }
    (out / CARD_FILE).write_text(json.dumps(card))
    return out


def test_pruning_keeps_the_chosen_layers_and_freezes_the_word_embeddings() -> None:
    teacher = _teacher()
    pruned = distill.prune(teacher, (0, 2))
    assert len(pruned.bert.encoder.layer) == pruned.config.num_hidden_layers == 2
    kept = pruned.bert.encoder.layer[1].attention.self.query.weight
    assert torch.equal(kept, teacher.bert.encoder.layer[2].attention.self.query.weight)
    assert kept.data_ptr() != teacher.bert.encoder.layer[2].attention.self.query.weight.data_ptr()
    assert not pruned.bert.embeddings.word_embeddings.weight.requires_grad
    assert pruned.bert.embeddings.position_embeddings.weight.requires_grad
    assert len(teacher.bert.encoder.layer) == TEACHER_LAYERS  # the teacher is left whole
    with pytest.raises(ConfigError, match="3 layers"):
        distill.prune(teacher, (0, 3))


def test_each_student_layer_imitates_the_input_of_the_next_kept_teacher_layer() -> None:
    assert distill.imitated_layers((0, 2, 4), 6) == [2, 4, 6]
    assert distill.imitated_layers((3, 4, 5), 6) == [4, 5, 6]


@pytest.mark.parametrize(
    "changes",
    [{"keep_layers": ()}, {"keep_layers": (2, 0)}, {"keep_layers": (-1, 2)},
     {"soft_weight": 1.5}, {"temperature": 0.0}, {"epochs": 0.0, "max_steps": 0}],
)  # fmt: skip
def test_options_that_cannot_train_a_student_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        distill.DistillOptions(**changes)


def test_the_student_stores_all_but_the_word_embeddings_small(tmp_path: Path, base: Path) -> None:
    from safetensors import safe_open

    folder = _student_dir(tmp_path, base)
    with safe_open(str(folder / bert.WEIGHTS_FILE), "pt") as stored:
        dtypes = {name: stored.get_tensor(name).dtype for name in stored.keys()}  # noqa: SIM118
    assert student.WORD_EMBEDDINGS not in dtypes
    dense = "bert.encoder.layer.1.output.dense.weight"
    assert dtypes[dense] == torch.int8 and dtypes[dense + student.ROW_SCALE] == torch.float32
    assert "bert.encoder.layer.2.output.dense.weight" not in dtypes
    assert dtypes["bert.embeddings.position_embeddings.weight"] == torch.float16
    assert dtypes["bert.encoder.layer.1.output.LayerNorm.weight"] == torch.float16
    assert json.loads((folder / bert.CONFIG_FILE).read_text())["num_hidden_layers"] == 2


def test_int8_rows_come_back_within_half_a_step_and_fp32_is_not_copied() -> None:
    torch.manual_seed(1)
    weights = {"x.dense.weight": torch.randn(6, 10), "x.dense.bias": torch.randn(6)}
    back = student.as_float32(student.stored(weights))
    assert set(back) == set(weights)
    step = weights["x.dense.weight"].abs().amax(dim=1, keepdim=True) / 127
    assert ((back["x.dense.weight"] - weights["x.dense.weight"]).abs() <= step / 2 + 1e-7).all()
    assert torch.allclose(back["x.dense.bias"], weights["x.dense.bias"], atol=1e-3)
    assert student.as_float32(weights)["x.dense.weight"] is weights["x.dense.weight"]


def test_both_loaders_take_the_word_embeddings_from_the_base_and_agree(
    tmp_path: Path, base: Path
) -> None:
    folder = _student_dir(tmp_path, base)
    served = serving.load_for_inference(folder)
    assert isinstance(served.model, bert.BertClassifier)
    words = served.model.get_input_embeddings().weight
    assert words.dtype == torch.float32
    assert torch.equal(words, _teacher().bert.embeddings.word_embeddings.weight)
    assert served.max_length == 16  # the base's tokenizer, read from the base
    transformers_model = load_model(folder)
    ids = torch.tensor([[2, 4, 6, 8, 3], [2, 5, 7, 3, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        ours = served.model(input_ids=ids, attention_mask=mask).logits
        theirs = transformers_model.model(input_ids=ids, attention_mask=mask).logits
    assert torch.allclose(ours, theirs, atol=1e-5)
    assert transformers_model.model.bert.embeddings.word_embeddings.weight.dtype == torch.float32


def test_a_base_without_the_shared_tensor_is_refused(tmp_path: Path, base: Path) -> None:
    folder = _student_dir(tmp_path, base)
    card = json.loads((folder / CARD_FILE).read_text())
    card[student.SHARED_FIELD] = ["bert.embeddings.no_such.weight"]
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match=r"lacks bert\.embeddings\.no_such\.weight"):
        serving.load_for_inference(folder)


def test_a_base_of_another_shape_is_refused(tmp_path: Path, base: Path) -> None:
    folder = _student_dir(tmp_path, base)
    card = json.loads((folder / CARD_FILE).read_text())
    card["shared_shapes"] = {student.WORD_EMBEDDINGS: [30522, 384]}
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="trained on"):
        serving.load_for_inference(folder)
    with pytest.raises(ModelLoadError, match="trained on"):
        load_model(folder)


def test_shared_tensors_need_a_base(tmp_path: Path, base: Path) -> None:
    folder = _student_dir(tmp_path, base)
    card = json.loads((folder / CARD_FILE).read_text())
    del card["base_model"]
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(ModelLoadError, match="base_model"):
        serving.load_for_inference(folder)


def test_a_teacher_whose_word_embeddings_are_not_its_bases_cannot_share_them(base: Path) -> None:
    teacher = _teacher()
    student.check_shared(teacher, str(base), [student.WORD_EMBEDDINGS])  # the same: shared
    with torch.no_grad():
        teacher.bert.embeddings.word_embeddings.weight[4] += 0.01
    with pytest.raises(ModelLoadError, match="differs from its base"):
        student.check_shared(teacher, str(base), [student.WORD_EMBEDDINGS])
