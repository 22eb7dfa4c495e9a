"""The questions' tokenizer (rag.e5_tokens) gives the `tokenizers` library's ids, in less memory."""

import json
from pathlib import Path

import pytest

from rag.e5_tokens import QuestionTokenizer

ROOT = Path(__file__).resolve().parent.parent

TEXTS = ["query: 不予行政处罚多少家", "query: How many elevators were inspected in 2023?", "电梯维保单位",
         "  两个  空格 ", "ＡＢＣ１２３ 全角", "未知字符 😀 ☃ 乂", "aaaa aaab abab", "", " ", "x" * 700,
         "<s> 特殊 </s>", "ab<mask>cd", "Ⅻ ㈱ ﬁ ½"]


def small_tokenizer(path: Path) -> Path:
    """A Unigram tokenizer as XLM-R's is made (normalizer, Metaspace, <s> … </s>) with a few
    pieces whose scores make ties and unknown characters happen."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "b", "ab", "aa", "aaa", "▁a", "▁ab", "电", "梯", "电梯",
              "维保", "维", "保", "▁电", "单位", "x", "xx", "xxxx", "1", "2", "3", "12", "A", "B", "C", "query", ":",
              "▁query", "不", "予", "不予", "行政", "处罚", "多少", "家", "▁不"]
    scores = [0.0, 0.0, 0.0, 0.0, -2.0, -3.0, -3.0, -6.0, -6.0, -8.5, -4.0, -7.0, -5.0, -5.0, -9.0, -6.0, -4.0,
              -4.0, -5.5, -6.0, -1.0, -2.0, -4.0, -3.0, -3.0, -3.0, -5.0, -3.0, -3.0, -3.0, -5.0, -2.0, -6.0,
              -4.0, -4.0, -7.0, -6.0, -6.0, -6.0, -5.0, -5.5]
    tokenizer = Tokenizer(Unigram(list(zip(pieces, scores)), 3, False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" " * 2, " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer.save(str(path))
    return path


def library_ids(path: Path, texts: list[str], max_tokens: int = 512) -> list[list[int]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_tokens)
    return [tokenizer.encode(t).ids for t in texts]


def test_the_same_ids_as_the_library_on_a_small_model(tmp_path):
    path = small_tokenizer(tmp_path / "tokenizer.json")
    ours = QuestionTokenizer(path, max_tokens=64)
    assert [ours.ids(t) for t in TEXTS] == library_ids(path, TEXTS, 64)


def test_a_tokenizer_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps({"model": {"type": "BPE", "vocab": {}, "merges": []}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not the Unigram tokenizer"):
        QuestionTokenizer(path)


@pytest.mark.slow
def test_the_same_ids_as_the_library_on_the_default_model():
    """Every question of the evaluation sets, every line of their reports and windows of 300
    characters across them: exactly the library's ids."""
    from rag.config import Config
    from rag.e5_offline import materialize

    path = materialize(Config().model_cache_dir / "multilingual-e5-small") / "tokenizer.json"
    texts = list(TEXTS)
    for name in ("eval/questions.jsonl", "eval/heldout.jsonl", "eval/dev/questions.jsonl"):
        texts += ["query: " + json.loads(line)["question"]
                  for line in (ROOT / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    for report in sorted((ROOT / "eval" / "corpus").glob("*.txt")) + sorted((ROOT / "data").glob("*.txt")):
        text = report.read_text(encoding="utf-8")
        texts += [line for line in text.splitlines() if line.strip()]
        texts += [text[i: i + 300] for i in range(0, len(text), 150)]
    ours = QuestionTokenizer(path)
    assert [ours.ids(t) for t in texts] == library_ids(path, texts)
