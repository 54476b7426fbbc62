"""A plain NumPy forward pass of all-MiniLM-L6-v2: the reference the ONNX model
built by custom_nlu/minilm_build.py is checked against (same weights, same arithmetic)."""

from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

from custom_nlu.minilm import WordPieceTokenizer

_HEADS = 12


class ReferenceEncoder:
    """all-MiniLM-L6-v2 forward pass on NumPy float32 arrays."""

    def __init__(self, directory: Path) -> None:
        with open(directory / "vocab.txt", encoding="utf-8") as handle:
            vocab = {line.rstrip("\n"): index for index, line in enumerate(handle)}
        self.tokenizer = WordPieceTokenizer(vocab)
        weights = {
            k.removeprefix("bert."): v.astype(np.float32)
            for k, v in load_file(str(directory / "model.safetensors")).items()
        }
        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self._embedding_norm = (
            weights["embeddings.LayerNorm.weight"],
            weights["embeddings.LayerNorm.bias"],
        )
        self._layers = []
        layer = 0
        while f"encoder.layer.{layer}.attention.self.query.weight" in weights:
            p = f"encoder.layer.{layer}."
            # query, key and value in one matrix: one matmul instead of three
            qkv_w = np.concatenate(
                [weights[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]
            ).T.copy()
            qkv_b = np.concatenate(
                [weights[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
            )
            self._layers.append(
                (
                    qkv_w,
                    qkv_b,
                    weights[p + "attention.output.dense.weight"].T.copy(),
                    weights[p + "attention.output.dense.bias"],
                    weights[p + "attention.output.LayerNorm.weight"],
                    weights[p + "attention.output.LayerNorm.bias"],
                    weights[p + "intermediate.dense.weight"].T.copy(),
                    weights[p + "intermediate.dense.bias"],
                    weights[p + "output.dense.weight"].T.copy(),
                    weights[p + "output.dense.bias"],
                    weights[p + "output.LayerNorm.weight"],
                    weights[p + "output.LayerNorm.bias"],
                )
            )
            layer += 1
        self.dimension = self._word.shape[1]

    @staticmethod
    def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(-1, keepdims=True)
        return centred / np.sqrt(variance + 1e-12) * gain + bias

    def embed(self, text: str) -> np.ndarray:
        ids = self.tokenizer.encode(text)
        n, width = len(ids), self.dimension
        head = width // _HEADS
        x = self._word[ids] + self._position[:n] + self._token_type
        x = self._layer_norm(x, *self._embedding_norm)
        for (
            qkv_w,
            qkv_b,
            out_w,
            out_b,
            norm1_g,
            norm1_b,
            up_w,
            up_b,
            down_w,
            down_b,
            norm2_g,
            norm2_b,
        ) in self._layers:
            qkv = (x @ qkv_w + qkv_b).reshape(n, 3, _HEADS, head).transpose(1, 2, 0, 3)
            query, key, value = qkv[0], qkv[1], qkv[2]
            scores = query @ key.transpose(0, 2, 1) / np.float32(np.sqrt(head))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(1, 0, 2).reshape(n, width)
            x = self._layer_norm(context @ out_w + out_b + x, norm1_g, norm1_b)
            hidden = x @ up_w + up_b
            hidden = (
                0.5 * hidden * (1.0 + erf(hidden * np.float32(0.7071067811865476)))
            )  # exact GELU
            x = self._layer_norm(hidden @ down_w + down_b + x, norm2_g, norm2_b)
        pooled = x.mean(0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
