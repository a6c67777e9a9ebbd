"""Batch-norm parity: nntrain's reference kernels (kernels/bnorm.c, run by
bnorm_dump on seeded data) against torch.nn.functional.batch_norm in
float64 on the same float32 inputs:

    /usr/bin/python3 tests/parity/test_bnorm.py BNORM_DUMP

For (n, c, hw) = (8, 3, 1) (after a dense layer) and (4, 5, 25) (after a
conv): the training forward's output, batch mean and biased variance; the
inference forward on given running statistics; the backward's diff_src,
diff_scale, diff_shift for L = sum(dst * diff_dst); the running statistics
after one update with momentum 0.1 (PyTorch's unbiased variance). Each
within 1e-5 relative (max |difference| / max |value|). Exits 77 without
torch or numpy, 1 on any failed check.
"""
import os
import sys
import tempfile

from harness import check, require, run, summary

np, torch, F = require("numpy", "torch", "torch.nn.functional",
                      packages="python3-torch python3-numpy")


TOL = 1e-5
EPS = 1e-5
MOMENTUM = 0.1
NAMES = ["src", "scale", "shift", "diff_dst", "running_mean", "running_var",
         "dst", "mean", "var", "dst_inf", "diff_src", "diff_scale",
         "diff_shift", "new_running_mean", "new_running_var"]


def read_dump(path, n, c, hw):
    """The 15 arrays bnorm_dump writes, as float64 tensors by name."""
    flat = np.fromfile(path, dtype="<f4")
    t, off = {}, 0
    for name in NAMES:
        size = n * c * hw if name in ("src", "diff_dst", "dst", "dst_inf",
                                      "diff_src") else c
        t[name] = torch.from_numpy(flat[off:off + size].astype(np.float64))
        off += size
    if off != flat.size:
        raise RuntimeError(f"{path}: {flat.size} floats, expected {off}")
    for name in ("src", "diff_dst", "dst", "dst_inf", "diff_src"):
        t[name] = t[name].reshape(n, c, hw)
    return t


def close(got, want, what):
    """Checks max |got - want| / max |want| <= TOL."""
    err = float((got - want).abs().max() / max(float(want.abs().max()),
                                                 1e-30))
    check(err <= TOL, f"{what}: {err:.2e} relative")


def check_shape(dump, n, c, hw, folder):
    path = os.path.join(folder, f"bnorm_{n}_{c}_{hw}.bin")
    run([dump, str(n), str(c), str(hw), path])
    t = read_dump(path, n, c, hw)
    what = f"(n {n}, c {c}, hw {hw})"
    x = t["src"].clone().requires_grad_(True)
    w = t["scale"].clone().requires_grad_(True)
    b = t["shift"].clone().requires_grad_(True)
    rm, rv = t["running_mean"].clone(), t["running_var"].clone()
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=MOMENTUM,
                     eps=EPS)
    (y * t["diff_dst"]).sum().backward()
    close(t["dst"], y.detach(), f"{what} training dst")
    close(t["mean"], t["src"].mean(dim=(0, 2)), f"{what} batch mean")
    close(t["var"], t["src"].var(dim=(0, 2), unbiased=False),
          f"{what} batch variance (biased)")
    close(t["diff_src"], x.grad, f"{what} diff_src")
    close(t["diff_scale"], w.grad, f"{what} diff_scale")
    close(t["diff_shift"], b.grad, f"{what} diff_shift")
    close(t["new_running_mean"], rm, f"{what} running mean after update")
    close(t["new_running_var"], rv, f"{what} running var after update")
    y_inf = F.batch_norm(t["src"], t["running_mean"], t["running_var"],
                         t["scale"], t["shift"], training=False, eps=EPS)
    close(t["dst_inf"], y_inf, f"{what} inference dst")


def main():
    if len(sys.argv) != 2:
        print("usage: test_bnorm.py BNORM_DUMP", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        for n, c, hw in ((8, 3, 1), (4, 5, 25)):
            check_shape(sys.argv[1], n, c, hw, folder)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
