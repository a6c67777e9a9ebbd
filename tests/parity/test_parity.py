"""PyTorch parity: nntrain against an independent implementation on the
same weights. Run with Debian's interpreter (the suite does):

    /usr/bin/python3 tests/parity/test_parity.py NNTRAIN STEP_DUMP DATA_DIR

For each model (mlp, cnn) and loss (mse, cross-entropy), and for
every_kind.txt (a model file with every layer kind: batch norm after conv
and after dense, average pooling, dropout, ReLU layers) with cross-entropy:
  1. nntrain trains a tiny run (--limit 640 --epochs 1) and exports it as
     safetensors;
  2. PyTorch builds the nn.Sequential of README's mapping from the layer
     table in the file's metadata and loads the weights with
     load_state_dict(strict=True): names and shapes must be exactly those;
  3. on the 10,000 test images, `nntrain predict --logits` against the
     PyTorch model (float32): the same class for every image, and logits
     within 1e-5 relative (per image: max |difference| / max |logit|);
  4. one training step on the first 64 test images from the exported
     weights (step_dump: nntrain's own nn_step_run) against PyTorch in
     float64 (the exact answer, up to float64 rounding): loss, logits and
     every gradient within 1e-5 relative (per tensor: max |difference| /
     max |value|); the weights after one Adam step within 1e-5 relative
     (a) with PyTorch's Adam applied to nntrain's gradients and (b) with
     each side's own gradients, where |grad| >= 1e-6 (check_adam says why).
     The step runs in training mode (PyTorch's model.train()): batch norm
     normalises with the batch's statistics and updates its running ones,
     which must agree within 1e-5 relative too. nntrain's dropout mask is
     not PyTorch's, so for every_kind the step is checked on the same model
     without its dropout layers (trained and exported on its own); step 3
     checks every_kind itself in model.eval(), where dropout is the identity
     and batch norm uses the exported running statistics. That step runs on
     both executors: the reference one (kernels/) within 1e-5 as above;
     oneDNN's training-mode batch norm is less precise (gradients 1e-4 to
     4.4e-3 relative from float64, depending on the weights and the batch,
     where PyTorch's own float32 and the reference executor stay near
     3e-6; the worst on the conv before it), so there the step is checked
     within BN_ONEDNN_TOL, far below the ~1 of a wrong layout or of
     padding counted in the statistics. The same step also runs on 40
     images in a runner built for 64, as the epoch's short last batch
     runs: batch norm must normalise over the 40 alone (with the 24 zero
     images of the padding counted, the gradients were 1.55 relative off). A bias that batch norm follows has a gradient of
     zero in exact arithmetic (the norm removes it): its float32 value is
     rounding, checked as max |grad| / max |the layer's weight grad| <=
     ZERO_TOL instead of relative to PyTorch's 1e-16.
The losses: "mse" is nntrain's MSE on the softmax against the one-hot
label, mean over the batch and the 10 classes
(F.mse_loss(softmax(z), one_hot(y)), see kernels/softmax_loss.c);
"cross-entropy" is F.cross_entropy(z, y). Adam: torch.optim.Adam(lr,
betas=(0.9, 0.999), eps=1e-8), as kernels/optim.c.

Exits 77 (skipped) without torch or numpy, 1 on any failed check.
"""
import copy
import csv
import gzip
import json
import os
import struct
import sys
import tempfile

from harness import check, require, run, summary

np, torch, nn, F = require("numpy", "torch", "torch.nn", "torch.nn.functional",
                          packages="python3-torch python3-numpy")


TOL = 1e-5
BN_ONEDNN_TOL = 1e-2  # oneDNN's training-mode batch norm (see above)
ZERO_TOL = 1e-3       # a zero gradient's float32 rounding (see above)
STEP_IMAGES = 64
SHORT_IMAGES = 40  # a short last batch in a runner of STEP_IMAGES
LIMIT = "640"

def read_safetensors(path):
    """A tiny safetensors reader: header, then numpy.frombuffer per tensor."""
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = b[8 + n:]
    tensors = {}
    for name, t in header.items():
        dtype = {"F32": "<f4", "I64": "<i8"}[t["dtype"]]
        begin, end = t["data_offsets"]
        a = np.frombuffer(data[begin:end], dtype=dtype).reshape(t["shape"])
        tensors[name] = torch.from_numpy(a.copy())
    return tensors, meta


def parse_layer(text):
    """'conv out=32 kernel=3 ... input=1x28x28 output=32x28x28' -> dict"""
    kind, *fields = text.split()
    d = {"kind": kind}
    for f in fields:
        k, v = f.split("=")
        if "x" in v:
            d[k] = tuple(int(x) for x in v.split("x"))
        else:
            d[k] = float(v) if k == "p" else int(v)
    return d


def build_sequential(meta):
    """README's mapping, from the layer table the export stores."""
    mods, flat, i = [], False, 0
    while f"nntrain.layer.{i}" in meta:
        L = parse_layer(meta[f"nntrain.layer.{i}"])
        c, h, w = L["input"]
        if L["kind"] == "conv":
            mods.append(nn.Conv2d(c, L["out"], L["kernel"], L["stride"],
                                  L["pad"]))
        elif L["kind"] == "maxpool":
            mods.append(nn.MaxPool2d(L["kernel"], L["stride"]))
        elif L["kind"] == "avgpool":
            mods.append(nn.AvgPool2d(L["kernel"], L["stride"]))
        elif L["kind"] == "dense":
            if not flat:
                mods.append(nn.Flatten())
                flat = True
            mods.append(nn.Linear(c * h * w, L["out"]))
        elif L["kind"] == "batchnorm":
            bn = nn.BatchNorm1d if flat else nn.BatchNorm2d
            mods.append(bn(c, eps=1e-5, momentum=0.1))
        elif L["kind"] == "dropout":
            mods.append(nn.Dropout(L["p"]))
        elif L["kind"] == "relu":
            mods.append(nn.ReLU())
        else:
            raise ValueError(f"unknown layer kind {L['kind']}")
        if L["relu"]:
            mods.append(nn.ReLU())
        i += 1
    return nn.Sequential(*mods)


def read_idx(path, rank):
    with gzip.open(path, "rb") as f:
        b = f.read()
    dims = struct.unpack(">" + "I" * rank, b[4:4 + 4 * rank])
    return np.frombuffer(b[4 + 4 * rank:], dtype=np.uint8).reshape(dims)


def loss_fn(name, z, y):
    if name == "mse":
        onehot = F.one_hot(y, z.shape[1]).to(z.dtype)
        return F.mse_loss(F.softmax(z, dim=1), onehot)
    return F.cross_entropy(z, y)


def rel(a, b):
    """max |a - b| / max |b| (b the reference)"""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check_predict(nntrain, run_dir, model, x, tag):
    """nntrain predict --logits vs the PyTorch model in float32."""
    out = run([nntrain, "predict", run_dir, "--images", x["path"],
               "--logits", "--threads", "1"])
    rows = list(csv.DictReader(out.splitlines()))
    k = len(x["images"])
    check(len(rows) == k, f"{tag}: predict gives {len(rows)} rows for {k} "
          f"images")
    z_nn = np.array([[float(r[f"logit{j}"]) for j in range(10)]
                     for r in rows], np.float32)
    cls = np.array([int(r["class"]) for r in rows])
    with torch.no_grad():
        z_pt = model(torch.from_numpy(x["images"])).numpy()
    per_image = (np.max(np.abs(z_nn - z_pt), axis=1) /
                 np.max(np.abs(z_pt), axis=1))
    worst = float(per_image.max())
    # a different class is only a tie: the two top logits within TOL
    top2 = np.sort(z_pt, axis=1)[:, -2:]
    tie = (top2[:, 1] - top2[:, 0]) <= TOL * np.max(np.abs(z_pt), axis=1)
    differ = cls != np.argmax(z_pt, axis=1)
    check(worst <= TOL, f"{tag}: logits of {k} test images, max relative "
          f"difference {worst:.2e} (tolerance {TOL:g})")
    check(not np.any(differ & ~tie), f"{tag}: predictions equal on "
          f"{k - int(differ.sum())} of {k} images ({int(differ.sum())} "
          f"differ, {int((differ & tie).sum())} of them exact ties)")
    return worst


def torch_step(model, meta_loss, x, y, lr):
    """One float64 step in training mode: loss, logits, grads, weights
    after Adam, running statistics after the forward."""
    m64 = copy.deepcopy(model).double().train()
    opt = torch.optim.Adam(m64.parameters(), lr=lr, betas=(0.9, 0.999),
                           eps=1e-8)
    opt.zero_grad()
    z = m64(torch.from_numpy(x).double())
    loss = loss_fn(meta_loss, z, torch.from_numpy(y).long())
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in m64.named_parameters()}
    opt.step()
    weights = {n: p.detach().clone() for n, p in m64.named_parameters()}
    running = {n: b.detach().clone() for n, b in m64.named_buffers()
               if n.endswith(("running_mean", "running_var"))}
    return float(loss), z.detach(), grads, weights, running


def adam_on(weights, grads, lr):
    """PyTorch's Adam (float64, fresh state) applied once to given grads."""
    params = {n: w.double().clone().requires_grad_(True)
              for n, w in weights.items()}
    opt = torch.optim.Adam(params.values(), lr=lr, betas=(0.9, 0.999),
                           eps=1e-8)
    for n, p in params.items():
        p.grad = grads[n].double().clone()
    opt.step()
    return {n: p.detach() for n, p in params.items()}


def rel_where(a, b, mask):
    """rel() over the elements where mask holds; 0 when none."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if not mask.any():
        return 0.0
    return float(np.max(np.abs(a - b)[mask]) / max(np.max(np.abs(b)), 1e-30))


def check_adam(nn_res, before, grads, weights, lr, tag):
    """Weights after one Adam step, two ways. (a) PyTorch's Adam on
    nntrain's own gradients: the optimizer alone, to 1e-5. (b) PyTorch's
    step on its own float64 gradients: Adam's first step is lr * g / (|g| +
    1e-8), so where |g| is near eps a gradient difference far inside the
    1e-5 above moves the weight by a visible part of lr; (b) is checked
    where |g| >= 1e-6 (100 eps) and its maximum over all weights reported."""
    nn_grads = {n: nn_res["grad." + n] for n in weights}
    same = adam_on(before, nn_grads, lr)
    d_same = max(rel(nn_res[n], same[n]) for n in weights)
    d_e2e = max(rel_where(nn_res[n], w, np.abs(grads[n].numpy()) >= 1e-6)
                for n, w in weights.items())
    d_all = max(rel(nn_res[n], w) for n, w in weights.items())
    small = sum(int((np.abs(g.numpy()) < 1e-6).sum()) for g in grads.values())
    total = sum(g.numel() for g in grads.values())
    moved = max(rel(nn_res[n], before[n]) for n in weights)
    check(d_same <= TOL, f"{tag}: weights after one Adam step (lr {lr:g}) "
          f"on nntrain's gradients: max relative difference {d_same:.2e} "
          f"(the step moved them by up to {moved:.2e})")
    check(d_e2e <= TOL, f"{tag}: weights after each side's own step, where "
          f"|grad| >= 1e-6: max relative difference {d_e2e:.2e} (all "
          f"weights: {d_all:.2e}; {small} of {total} have |grad| < 1e-6)")
    return d_same, d_e2e, d_all


def check_running(nn_res, running, tol, tag):
    """Batch norm's running statistics after the step's forward."""
    if not running:
        return
    d = max(rel(nn_res[n], r) for n, r in running.items())
    check(d <= tol, f"{tag}: running statistics of {len(running)} tensors "
          f"after the training step, max relative difference {d:.2e}")


def bn_biases(model):
    """The biases a batch norm follows: zero gradient in exact arithmetic."""
    mods = list(model)
    bn = (nn.BatchNorm1d, nn.BatchNorm2d)
    return {f"{i}.bias" for i in range(len(mods) - 1)
            if isinstance(mods[i + 1], bn) and hasattr(mods[i], "bias")}


def check_grads(nn_res, grads, zero, tol, tag):
    d_grad = max(rel(nn_res["grad." + n], g) for n, g in grads.items()
                 if n not in zero)
    check(d_grad <= tol, f"{tag}: gradients of {len(grads) - len(zero)} "
          f"tensors, max relative difference {d_grad:.2e}")
    if zero:
        d_zero = max(float(nn_res["grad." + n].abs().max() /
                           grads[n[:-4] + "weight"].abs().max())
                     for n in zero)
        check(d_zero <= ZERO_TOL, f"{tag}: gradients of {len(zero)} biases "
              f"that batch norm follows (zero in exact arithmetic): max "
              f"|grad| / max |weight grad| {d_zero:.2e}")
    return d_grad


def check_step(step_dump, model_arg, st_path, model, meta, x, y, tmp, tag,
               backend="onednn", tol=TOL, n=STEP_IMAGES, capacity=STEP_IMAGES):
    lr = float(meta["nntrain.config.lr"])
    loss_name = meta["nntrain.config.loss"]
    out = os.path.join(tmp, "step.safetensors")
    short = f", {n} images in a batch of {capacity}" if n < capacity else ""
    tag = f"{tag} ({backend} step{short})"
    run([step_dump, model_arg, loss_name, st_path, x["path"],
         y["path"], str(n), repr(lr), out, backend, str(capacity)])
    nn_res, _ = read_safetensors(out)
    before, _ = read_safetensors(st_path)
    loss, z, grads, weights, running = torch_step(
        model, loss_name, x["images"][:n], y["labels"][:n], lr)
    before = {n: before[n] for n in weights}  # not the running statistics
    check_running(nn_res, running, tol, tag)
    check(abs(float(nn_res["loss"][0]) - loss) <= tol * abs(loss),
          f"{tag}: step loss {float(nn_res['loss'][0]):.9g} vs {loss:.9g}")
    d_logits = rel(nn_res["logits"], z)
    check(d_logits <= tol, f"{tag}: step logits max relative difference "
          f"{d_logits:.2e}")
    d_grad = check_grads(nn_res, grads, bn_biases(model), tol, tag)
    return (d_grad,) + check_adam(nn_res, before, grads, weights, lr, tag)


def one_case(args, data, model_arg, loss_name, tmp,
             steps=(("onednn", TOL, STEP_IMAGES, STEP_IMAGES),)):
    """model_arg: a built-in model's name or a model file; steps: the
    executors whose training step is checked, each with its tolerance, its
    images and the batch they are run in (fewer images: the epoch's short
    last batch, padded).
    Returns {row label: numbers} for the summary."""
    nntrain, step_dump, data_dir = args
    model_name = os.path.basename(model_arg).removesuffix(".txt")
    tag = f"{model_name} {loss_name}"
    run_dir = os.path.join(tmp, f"{model_name}-{loss_name}")
    run([nntrain, "train", "--model", model_arg, "--loss", loss_name,
         "--limit", LIMIT, "--epochs", "1", "--threads", "1", "--data",
         data_dir, "--out", run_dir])
    st_path = os.path.join(tmp, f"{model_name}-{loss_name}.safetensors")
    run([nntrain, "export", run_dir, "--format", "safetensors", "--out",
         st_path])
    state, meta = read_safetensors(st_path)
    model = build_sequential(meta)
    try:
        model.load_state_dict(state, strict=True)
        check(True, f"{tag}: load_state_dict(strict=True) of "
              f"{len(state)} tensors into {meta['nntrain.pytorch']}")
    except RuntimeError as e:
        check(False, f"{tag}: load_state_dict: {e}")
        return {}
    stats = [n for n in state if n.endswith(("running_mean", "running_var"))]
    if stats:  # trained ones, not the initial 0 and 1
        moved = [n for n in stats if not torch.all(
            state[n] == (0 if n.endswith("mean") else 1))]
        check(moved == stats, f"{tag}: {len(moved)} of {len(stats)} running "
              f"statistics differ from their initial values")
    model.eval()
    worst = check_predict(nntrain, run_dir, model, data["x"], tag)
    rows = {} if steps else {model_name: (worst,)}
    for backend, tol, n, capacity in steps:
        label = model_name if len(steps) == 1 else f"{model_name} {backend}"
        if n < capacity:
            label += f" {n}/{capacity}"
        rows[label] = (worst,) + check_step(
            step_dump, model_arg, st_path, model, meta, data["x"], data["y"],
            tmp, tag, backend, tol, n, capacity)
    return rows


def without_dropout(path, tmp):
    """A copy of model file path without its dropout lines."""
    base = os.path.basename(path).removesuffix(".txt")
    out = os.path.join(tmp, base + "_nodrop.txt")
    with open(path) as f, open(out, "w") as g:
        g.writelines(line for line in f
                     if not line.lstrip().startswith("dropout"))
    return out


def main():
    if len(sys.argv) != 4:
        print(f"usage: {sys.argv[0]} NNTRAIN STEP_DUMP DATA_DIR")
        return 2
    args = sys.argv[1:]
    data_dir = args[2]
    xp = os.path.join(data_dir, "t10k-images-idx3-ubyte.gz")
    yp = os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz")
    if not os.path.exists(xp) or not os.path.exists(yp):
        print(f"SKIP: {data_dir}: no Fashion-MNIST test set "
              f"(apt-get install dataset-fashion-mnist)")
        return 77
    torch.set_num_threads(1)
    x = read_idx(xp, 3).astype(np.float32)[:, None, :, :] / np.float32(255)
    data = {"x": {"path": xp, "images": x},
            "y": {"path": yp, "labels": read_idx(yp, 1).astype(np.int64)}}
    results = {}
    with tempfile.TemporaryDirectory(prefix="nntrain-parity.") as tmp:
        for model_name in ("mlp", "cnn"):
            for loss_name in ("mse", "cross-entropy"):
                results.setdefault(loss_name, {}).update(one_case(
                    args, data, model_name, loss_name, tmp))
        every = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "every_kind.txt")
        results.setdefault("cross-entropy", {}).update(one_case(
            args, data, every, "cross-entropy", tmp, steps=()))
        results["cross-entropy"].update(one_case(
            args, data, without_dropout(every, tmp), "cross-entropy", tmp,
            steps=(("ref", TOL, STEP_IMAGES, STEP_IMAGES),
                   ("onednn", BN_ONEDNN_TOL, STEP_IMAGES, STEP_IMAGES),
                   ("ref", TOL, SHORT_IMAGES, STEP_IMAGES),
                   ("onednn", BN_ONEDNN_TOL, SHORT_IMAGES, STEP_IMAGES))))
    print("\nsummary (max relative differences vs PyTorch):")
    print("model                  loss          logits  grads    Adam on   "
          "own step     own step")
    print("                                     (10k)   (f64)    nn grads  "
          "|g|>=1e-6  all")
    for lname, rows in results.items():
        for mname, r in rows.items():
            print(f"{mname:22} {lname:13} " +
                  " ".join(f"{v:8.2e}" for v in r))
    return summary()


if __name__ == "__main__":
    sys.exit(main())
