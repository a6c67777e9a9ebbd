#!/usr/bin/python3
"""pytorch_reference.py: the seed experiment's two models trained in PyTorch
with the seed's recipe, timed the way nntrain times itself, as a yardstick
for nntrain's speed (benchmarks/vs_pytorch.sh runs the two side by side).

Recipe (shared/seed/NOTES.md): Fashion-MNIST from the gzipped IDX files,
pixels / 255; the 60,000 training images split 54,000 / 6,000 by a seeded
permutation (same sizes as nntrain, not the same permutation); batch 64,
reshuffled every epoch, last partial batch kept; softmax then MSE against
the one-hot label; Adam, lr 1e-3; PyTorch's default initialisation.

Timing, as nntrain's metrics.csv: training images/s is the epoch's
training images over the time of its training loop alone (data loading,
the split and an untimed warm-up step excluded); the whole-epoch figure
adds the validation pass over the 6,000 images. Over several epochs both
are total images over total seconds.

Run it with Debian's /usr/bin/python3 (python3-torch, python3-numpy).
The defaults are the fastest configuration measured on our 2-core AVX-512
VM (benchmarks/README.md, "nntrain vs PyTorch, side by side"); each has an
option that turns it off, to measure it again:
  - OpenBLAS (libopenblas0-pthread) under the dense layers, not Debian's
    default netlib BLAS: MLP 10-25x faster;
  - OPENBLAS_NUM_THREADS=1: OpenBLAS's own threads fight PyTorch's OpenMP
    threads (MLP 3.5-37x slower with 2);
  - torch.set_num_threads = nntrain's --threads (2 threads vs 1: MLP
    0.95-1.1x, CNN 1.1-1.5x);
  - the CNN in channels-last: oneDNN's nhwc brgconv kernels, no reorder
    of the activations around every convolution (1.4x);
  - torch.backends.mkldnn on (its im2col + BLAS path is slower in
    channels-last); ATen's default vector width (AVX2 here; AVX-512 made no
    difference) and Adam's default for-loop (foreach made no difference).
"""
import argparse
import csv
import ctypes
import gzip
import os
import platform
import struct
import sys
import time

DATA_DIRS = ["./data/fashion-mnist", "/usr/share/datasets/fashion-mnist"]
OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
APT_OPENBLAS = "apt-get install -y libopenblas0-pthread"
N_VAL = 6000


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=["mlp", "cnn"], default="cnn")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--threads", type=int, default=2,
                   help="torch.set_num_threads (default 2)")
    p.add_argument("--limit", type=int, default=0,
                   help="first N of the 54,000 training images, as "
                        "nntrain's --limit (validation stays 6,000)")
    p.add_argument("--csv", help="append one row of results to this file")
    p.add_argument("--data", help="folder of the four IDX files (default: "
                   "$NNTRAIN_DATA, then " + ", ".join(DATA_DIRS) + ")")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--blas", choices=["openblas", "system"],
                   default="openblas",
                   help="openblas: load libopenblas0-pthread's BLAS "
                        "whatever update-alternatives points at; system: "
                        "the libblas.so.3 the alternatives give (Debian's "
                        "default is netlib's reference BLAS)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OPENBLAS_NUM_THREADS (default 1)")
    p.add_argument("--channels-last", action=argparse.BooleanOptionalAction,
                   default=True, help="the CNN in channels-last (NHWC) "
                   "layout (default on)")
    p.add_argument("--mkldnn", action=argparse.BooleanOptionalAction,
                   default=True, help="torch.backends.mkldnn.enabled "
                   "(oneDNN convolutions; without it, im2col + BLAS)")
    p.add_argument("--aten-isa", choices=["default", "avx2", "avx512"],
                   default="default", help="ATEN_CPU_CAPABILITY: the "
                   "vector width of PyTorch's own kernels (pooling, ReLU, "
                   "softmax, loss, Adam)")
    p.add_argument("--foreach", action=argparse.BooleanOptionalAction,
                   default=False, help="Adam's multi-tensor (foreach) path")
    p.add_argument("--verbose", action="store_true",
                   help="also print the seed's line for every epoch")
    a = p.parse_args()
    if min(a.epochs, a.threads, a.batch_size, a.blas_threads) < 1:
        p.error("--epochs, --threads, --batch-size and --blas-threads must "
                "be >= 1")
    if a.limit < 0:
        p.error("--limit must be >= 0 (0: all 54,000 images)")
    return a


def set_environment(a):
    """What PyTorch and its BLAS read when they load: must run before
    `import torch`."""
    os.environ["OPENBLAS_NUM_THREADS"] = str(a.blas_threads)
    # set on some machines for other programs; they would mistune OpenBLAS
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(var, None)
    if a.aten_isa != "default":
        os.environ["ATEN_CPU_CAPABILITY"] = a.aten_isa
    if a.blas == "openblas":
        if not os.path.exists(OPENBLAS):
            sys.exit(f"pytorch_reference.py: {OPENBLAS} is missing "
                     f"({APT_OPENBLAS}, or --blas system)")
        # libtorch_cpu needs "libblas.so.3"; the loader takes an already
        # loaded library of that soname instead of searching, so this one
        # wins over whatever update-alternatives points at
        ctypes.CDLL(OPENBLAS, mode=ctypes.RTLD_GLOBAL)


def loaded_blas():
    """The BLAS mapped into this process, from /proc/self/maps (call after
    a matmul): its name ('netlib', 'openblas-pthread', ...; several joined
    by '+') and its files."""
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f
                        if "/" in line and "blas" in line.rsplit("/", 1)[-1]})
    # Debian puts each implementation in its own folder; "blas" is netlib's
    names = sorted({os.path.basename(os.path.dirname(p)) for p in paths})
    names = ["netlib" if n == "blas" else n for n in names]
    return "+".join(names) or "none", ";".join(paths)


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):  # no commas in a CSV field
                return line.split(":", 1)[1].strip().replace(",", " ")
    return platform.processor() or "unknown"


def find_data(a):
    dirs = [a.data] if a.data else (
        [os.environ["NNTRAIN_DATA"]] if os.environ.get("NNTRAIN_DATA")
        else DATA_DIRS)
    for d in dirs:
        if os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    sys.exit("pytorch_reference.py: no Fashion-MNIST in " + ", ".join(dirs)
             + " (apt-get install dataset-fashion-mnist, or --data DIR)")


def read_idx(path, np):
    """A gzipped IDX file of unsigned bytes as a numpy array (N, ...)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an IDX file of unsigned bytes")
    dims = raw[3]
    shape = struct.unpack(f">{dims}I", raw[4:4 + 4 * dims])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_splits(a, torch, np):
    """(x, one-hot, labels) for train and validation: x (N, 1, 28, 28) f32
    in [0, 1], one-hot (N, 10) f32, labels (N,) int64."""
    d = find_data(a)
    images = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz"), np)
    labels = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz"), np)
    x = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(labels.astype(np.int64))
    perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(
        a.seed))
    n_train = len(y) - N_VAL
    keep = a.limit if 0 < a.limit < n_train else n_train
    splits = []
    for idx in (perm[:keep], perm[n_train:]):
        yy = y[idx]
        splits.append((x[idx].contiguous(),
                       torch.nn.functional.one_hot(yy, 10).float(), yy))
    return d, splits


def build_model(name, nn):
    """The seed's models; the softmax is in the loss."""
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                             nn.Linear(256, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2),
                         nn.Flatten(),  # (N, 64*7*7), channel-row-column
                         nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


class Trainer:
    """The model, its Adam and the epochs' shuffle, and what one epoch of
    training or validation does."""

    def __init__(self, a, torch):
        self.torch, self.F = torch, torch.nn.functional
        self.bs = a.batch_size
        torch.manual_seed(a.seed)
        self.model = build_model(a.model, torch.nn)
        # channels-last only means something for 4-D tensors
        self.layout = (torch.channels_last if a.channels_last
                       and a.model == "cnn" else torch.contiguous_format)
        self.model = self.model.to(memory_format=self.layout)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3,
                                    foreach=a.foreach)
        # the epochs' shuffles: a stream of their own, apart from the split's
        self.gen = torch.Generator().manual_seed(a.seed + 1)

    def loss(self, xb, tb):
        """Softmax then MSE against the one-hot targets, mean over batch x
        classes; and the logits."""
        z = self.model(xb.contiguous(memory_format=self.layout))
        return self.F.mse_loss(self.F.softmax(z, dim=1), tb), z

    def warm_up(self, x, t):
        """Forward and backward at the batch sizes the epoch will use,
        without an optimizer step: PyTorch creates its oneDNN primitives
        on first use, nntrain before its timed loop."""
        n = len(x)
        for size in {self.bs, n % self.bs or self.bs}:
            self.loss(x[:size], t[:size])[0].backward()
        self.opt.zero_grad(set_to_none=True)

    def train_epoch(self, x, t, y):
        """One epoch; returns (seconds, loss, accuracy %)."""
        start = time.perf_counter()
        order = self.torch.randperm(len(y), generator=self.gen)
        loss_sum, correct = 0.0, 0
        for i in range(0, len(y), self.bs):
            idx = order[i:i + self.bs]
            yb = y[idx]
            self.opt.zero_grad(set_to_none=True)
            loss, z = self.loss(x[idx], t[idx])
            loss.backward()
            self.opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (z.argmax(1) == yb).sum().item()
        seconds = time.perf_counter() - start
        return seconds, loss_sum / len(y), 100.0 * correct / len(y)

    def evaluate(self, x, t, y):
        """Validation in order, batch by batch; (seconds, loss, acc %)."""
        start = time.perf_counter()
        loss_sum, correct = 0.0, 0
        with self.torch.no_grad():
            for i in range(0, len(y), self.bs):
                loss, z = self.loss(x[i:i + self.bs], t[i:i + self.bs])
                loss_sum += loss.item() * len(z)
                correct += (z.argmax(1) == y[i:i + self.bs]).sum().item()
        seconds = time.perf_counter() - start
        return seconds, loss_sum / len(y), 100.0 * correct / len(y)


def config_text(a, torch):
    """The choices that make the speed, in one CSV-safe string."""
    isa = [line.split(":")[1].strip()
           for line in torch.__config__.show().splitlines()
           if "CPU capability usage" in line]
    on = {True: "on", False: "off"}
    return (f"mkldnn={on[torch.backends.mkldnn.enabled]} "
            f"channels_last={on[a.channels_last and a.model == 'cnn']} "
            f"aten_isa={isa[0] if isa else '?'} "
            f"adam={'foreach' if a.foreach else 'for-loop'} "
            f"blas_threads={a.blas_threads}")


def append_csv(path, row):
    new = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row), lineterminator="\n")
        if new:
            w.writeheader()
        w.writerow(row)


def main():
    a = parse_args()
    set_environment(a)
    import numpy as np
    import torch

    torch.set_num_threads(a.threads)
    torch.backends.mkldnn.enabled = a.mkldnn
    data_dir, ((xt, tt, yt), (xv, tv, yv)) = load_splits(a, torch, np)
    trainer = Trainer(a, torch)
    trainer.warm_up(xt, tt)
    blas, blas_paths = loaded_blas()  # after the warm-up's matmuls

    train_s = epoch_s = 0.0
    for e in range(1, a.epochs + 1):
        ts, tl, ta = trainer.train_epoch(xt, tt, yt)
        vs, vl, va = trainer.evaluate(xv, tv, yv)
        train_s, epoch_s = train_s + ts, epoch_s + ts + vs
        if a.verbose:
            print(f"Epoch {e}/{a.epochs} - Train Loss: {tl:.4f} | Train "
                  f"Acc: {ta:.2f} - Val Loss: {vl:.4f} | Val Acc: {va:.2f} "
                  f"({ts + vs:.1f} s, {len(yt) / ts:.0f} img/s)",
                  file=sys.stderr)
    images = a.epochs * len(yt)
    config = config_text(a, torch)
    print(f"pytorch {torch.__version__} {a.model}: {a.epochs} epochs x "
          f"{len(yt)} images, {a.threads} threads, blas {blas}, {config}: "
          f"train {images / train_s:.0f} img/s, whole epoch "
          f"{images / epoch_s:.0f} img/s (final train acc {ta:.2f}, val "
          f"acc {va:.2f})")
    if a.csv:
        append_csv(a.csv, {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "cpu": cpu_name(), "model": a.model, "epochs": a.epochs,
            "train_images": len(yt), "val_images": len(yv),
            "threads": a.threads, "torch_version": torch.__version__,
            "blas": blas, "blas_path": blas_paths, "config": config,
            "train_images_per_s": round(images / train_s, 1),
            "epoch_images_per_s": round(images / epoch_s, 1),
            "train_seconds": round(train_s, 3),
            "epoch_seconds": round(epoch_s, 3),
            "final_train_acc": round(ta, 2), "final_val_acc": round(va, 2),
            "data_dir": os.path.abspath(data_dir)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
