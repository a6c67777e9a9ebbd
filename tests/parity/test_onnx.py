"""ONNX export against two independent readers. Run with Debian's
interpreter (the suite does):

    /usr/bin/python3 tests/parity/test_onnx.py NNTRAIN DATA_DIR

For mlp, cnn and every_kind.txt (every layer kind: batch norm after conv
and after dense, average pooling, dropout, ReLU layers): nntrain trains a
tiny run (--limit 640 --epochs 1), exports it as ONNX and as safetensors,
and
  1. python3-onnx's checker accepts the model (full_check: shapes
     inferred), which has IR version 8, opset 13, the nodes of README's
     mapping plus Softmax (batch norm as BatchNormalization with epsilon
     1e-5, dropout as Identity), and the initializers of the safetensors
     file: same names, same float32 values, all but num_batches_tracked
     (inference does not use it);
  2. OpenCV's dnn module (cv2.dnn.readNetFromONNX) runs it on the 10,000
     test images: its classes equal `nntrain predict`'s for every image
     (a difference only allowed at an exact tie, as in test_parity.py),
     its logits within 1e-5 relative (per image), its probabilities the
     softmax of its logits and within 1e-5 of nntrain's. For every_kind
     this uses the running statistics, as `nntrain predict` does.
Exits 77 (skipped) without onnx, cv2 or numpy, 1 on any failed check.
"""
import csv
import gzip
import json
import os
import struct
import sys
import tempfile

from harness import check, require, run, summary

cv2, np, onnx, numpy_helper = require(
    "cv2", "numpy", "onnx", "onnx.numpy_helper",
    packages="python3-onnx python3-opencv python3-numpy")


TOL = 1e-5
BATCH = 500  # images per OpenCV forward (the CNN's activations: ~100 MB)
def read_idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    dims = struct.unpack(">III", b[4:16])
    return np.frombuffer(b[16:], dtype=np.uint8).reshape(dims)


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    header.pop("__metadata__", None)
    data = b[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]],
                             dtype={"F32": "<f4", "I64": "<i8"}[v["dtype"]])
            .reshape(v["shape"]) for k, v in header.items()}


def check_model(path, st_path, model_name):
    m = onnx.load(path)
    try:
        onnx.checker.check_model(m, full_check=True)
        check(True, f"{model_name}: onnx.checker accepts {path} "
              f"({os.path.getsize(path)} bytes)")
    except onnx.checker.ValidationError as e:
        check(False, f"{model_name}: onnx.checker: {e}")
    opsets = [(o.domain, o.version) for o in m.opset_import]
    check(m.ir_version == 8 and opsets == [("", 13)],
          f"{model_name}: IR version {m.ir_version}, opsets {opsets}")
    ops = [n.op_type for n in m.graph.node]
    want = {"mlp": ["Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"],
            "cnn": ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool",
                    "Flatten", "Gemm", "Relu", "Gemm"],
            "every_kind": ["Conv", "BatchNormalization", "Relu", "MaxPool",
                           "Conv", "Relu", "AveragePool", "Identity",
                           "Flatten", "Gemm", "BatchNormalization", "Relu",
                           "Identity", "Gemm"]}[model_name]
    check(ops == want + ["Softmax"], f"{model_name}: nodes {ops}")
    eps = [a.f for n in m.graph.node if n.op_type == "BatchNormalization"
           for a in n.attribute if a.name == "epsilon"]
    n_bn = ops.count("BatchNormalization")
    if n_bn:  # float32's 1e-5
        check(len(eps) == n_bn and all(abs(e - 1e-5) <= 1e-12 for e in eps),
              f"{model_name}: {n_bn} BatchNormalization nodes, epsilon "
              f"{eps}")
    st = read_safetensors(st_path)
    st = {k: v for k, v in st.items() if not k.endswith("num_batches_tracked")}
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    same = (sorted(inits) == sorted(st) and
            all(np.array_equal(inits[k], st[k]) for k in st))
    check(same, f"{model_name}: {len(inits)} initializers equal the "
          f"safetensors tensors ({', '.join(sorted(inits))})")


def check_opencv(path, x, rows, model_name):
    net = cv2.dnn.readNetFromONNX(path)
    z, p = [], []
    for start in range(0, len(x), BATCH):
        net.setInput(x[start:start + BATCH])
        zb, pb = net.forward(["logits", "probabilities"])
        z.append(zb.copy())
        p.append(pb.copy())
    z, p = np.concatenate(z), np.concatenate(p)
    z_nn = np.array([[float(r[f"logit{j}"]) for j in range(10)]
                     for r in rows], np.float32)
    p_nn = np.array([[float(r[f"p{j}"]) for j in range(10)]
                     for r in rows], np.float32)
    cls = np.array([int(r["class"]) for r in rows])
    scale = np.max(np.abs(z_nn), axis=1)
    per_image = np.max(np.abs(z - z_nn), axis=1) / scale
    top2 = np.sort(z_nn, axis=1)[:, -2:]
    tie = (top2[:, 1] - top2[:, 0]) <= TOL * scale
    differ = np.argmax(z, axis=1) != cls
    k = len(x)
    check(not np.any(differ & ~tie), f"{model_name}: OpenCV's classes equal "
          f"nntrain's on {k - int(differ.sum())} of {k} test images "
          f"({int((differ & tie).sum())} exact ties differ)")
    check(per_image.max() <= TOL, f"{model_name}: OpenCV's logits, max "
          f"relative difference {per_image.max():.2e} (max absolute "
          f"{np.max(np.abs(z - z_nn)):.2e})")
    e = np.exp(z - z.max(axis=1, keepdims=True))
    soft = e / e.sum(axis=1, keepdims=True)
    check(np.max(np.abs(p - soft)) <= TOL and np.max(np.abs(p - p_nn)) <= TOL,
          f"{model_name}: OpenCV's probabilities are the softmax of its "
          f"logits ({np.max(np.abs(p - soft)):.2e}) and nntrain's "
          f"({np.max(np.abs(p - p_nn)):.2e})")
    return float(per_image.max()), int(differ.sum())


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} NNTRAIN DATA_DIR")
        return 2
    nntrain, data_dir = sys.argv[1:]
    xp = os.path.join(data_dir, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(xp):
        print(f"SKIP: {xp} not found (apt-get install dataset-fashion-mnist)")
        return 77
    cv2.setNumThreads(1)
    x = read_idx(xp).astype(np.float32)[:, None, :, :] / np.float32(255)
    results = {}
    with tempfile.TemporaryDirectory(prefix="nntrain-onnx.") as tmp:
        every = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "every_kind.txt")
        for model_arg, loss in (("mlp", "mse"), ("cnn", "cross-entropy"),
                                (every, "cross-entropy")):
            model_name = os.path.basename(model_arg).removesuffix(".txt")
            run_dir = os.path.join(tmp, model_name)
            run([nntrain, "train", "--model", model_arg, "--loss", loss,
                 "--limit", "640", "--epochs", "1", "--threads", "1",
                 "--data", data_dir, "--out", run_dir])
            path = os.path.join(tmp, model_name + ".onnx")
            st_path = os.path.join(tmp, model_name + ".safetensors")
            run([nntrain, "export", run_dir, "--format", "onnx", "--out",
                 path])
            run([nntrain, "export", run_dir, "--format", "safetensors",
                 "--out", st_path])
            check_model(path, st_path, model_name)
            out = run([nntrain, "predict", run_dir, "--images", xp,
                       "--logits", "--threads", "1"])
            rows = list(csv.DictReader(out.splitlines()))
            results[model_name] = check_opencv(path, x, rows, model_name)
    print(f"\nOpenCV {cv2.__version__} vs nntrain on 10,000 test images:")
    for name, (worst, differ) in results.items():
        print(f"  {name}: {10000 - differ}/10000 classes equal, logits max "
              f"relative difference {worst:.2e}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
