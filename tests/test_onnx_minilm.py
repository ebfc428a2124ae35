"""Questions go through the ONNX export of the bundled MiniLM: the same vectors as sentence-transformers', and a
process that only answers never imports torch (what makes the page's first answer seconds sooner)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant.onnx_minilm import OnnxMiniLM, export, model_dir
from tests.conftest import copy_index

SEED = Path(__file__).resolve().parents[1] / "seeds"


def test_the_export_gives_sentence_transformers_vectors() -> None:
    from sentence_transformers import SentenceTransformer

    text = SEED.joinpath(sorted(p.name for p in SEED.glob("*.txt"))[0]).read_text()
    texts = [
        "What does the plan say about charging stations?",
        "",  # only the two special tokens
        text[:300],
        text,  # far beyond 256 tokens: both truncate it the same way
        "新能源汽车 charging",
        "x",
    ]
    onnx = OnnxMiniLM(export()).encode(texts)  # one padded batch: short rows must not see the padding
    reference = SentenceTransformer(str(model_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    assert onnx.dtype == np.float32 and onnx.shape == (len(texts), 384)
    assert ((onnx * reference).sum(axis=1) >= 0.9999).all()
    alone = OnnxMiniLM(export()).encode(texts[-1:])  # a row's vector does not depend on its batch
    assert float(alone[0] @ onnx[-1]) >= 0.9999


def test_answering_a_question_does_not_import_torch(seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    code = (
        "import sys\n"
        "from assistant.library import Library\n"
        "from assistant.settings import Settings\n"
        f"answer = Library(Settings(index_dir={str(index)!r})).ask('Which industries should develop faster?')\n"
        "assert answer.cited_docs, answer.to_text()\n"
        "loaded = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
