"""Recipe parity: nntrain's optimizers and learning-rate schedules against
PyTorch's on the same numbers. Run with Debian's interpreter (the suite
does):

    /usr/bin/python3 tests/parity/test_recipe.py RECIPE_DUMP

1. Optimizers: random float32 params and 6 steps of random gradients, with
   a learning rate that changes every step (as a schedule sets it), through
   nntrain's nn_optimizer_step (recipe_dump optim) and through
   torch.optim.AdamW, Adam and SGD (float32, foreach=False): the params
   after every step within 1e-6 relative (max |difference| / max |param|).
   Cases: AdamW at PyTorch's default decay 0.01 and at 0.1, Adam and SGD
   with coupled weight decay (PyTorch's weight_decay) 0.05, and without.
2. Schedules (recipe_dump schedule: nn_schedule_lr at every step) against
   PyTorch's schedulers where they coincide, within 1e-6 of the base lr:
   cosine without warmup = CosineAnnealingLR(T_max=T) stepped per step;
   the warmup steps = LinearLR(start_factor=1/W, total_iters=W-1) stepped
   per step; cosine after the warmup = CosineAnnealingLR(T_max=T-W);
   step = MultiStepLR(milestones=[ceil(E/2), ceil(3E/4)], gamma=0.1)
   stepped per epoch, for several epoch counts E; constant = the lr.

Exits 77 (skipped) without torch or numpy, 1 on any failed check.
"""
import math
import os
import subprocess
import sys
import tempfile

from harness import check, require, run, summary

np, torch = require("numpy", "torch", packages="python3-torch python3-numpy")


TOL = 1e-6
N = 4096
LRS = [1e-3, 2e-3, 5e-4, 3e-2, 1e-3, 1e-4]


def torch_steps(kind, p0, grads, wd, momentum):
    """The params after each step of PyTorch's optimizer."""
    p = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    if kind == "adamw":
        opt = torch.optim.AdamW([p], lr=LRS[0], weight_decay=wd,
                                foreach=False)
    elif kind == "adam":
        opt = torch.optim.Adam([p], lr=LRS[0], weight_decay=wd,
                               foreach=False)
    else:
        opt = torch.optim.SGD([p], lr=LRS[0], momentum=momentum,
                              weight_decay=wd, foreach=False)
    out = []
    for lr, g in zip(LRS, grads):
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = torch.from_numpy(g.copy())
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


def check_optimizer(dump, tmp, kind, wd, momentum):
    rng = np.random.default_rng(7)
    p0 = rng.uniform(-1, 1, N).astype(np.float32)
    # gradients of several sizes, a few tiny, as a network's are
    grads = [(rng.standard_normal(N) * 10.0 ** rng.uniform(-6, 0, N))
             .astype(np.float32) for _ in LRS]
    src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
    np.concatenate([p0] + grads).astype("<f4").tofile(src)
    run([dump, "optim", kind, repr(wd), repr(momentum), str(N),
         ",".join(repr(x) for x in LRS), src, dst])
    ours = np.fromfile(dst, dtype="<f4").reshape(len(LRS), N)
    theirs = torch_steps(kind, p0, grads, wd, momentum)
    worst = max(float(np.max(np.abs(o - t)) / np.max(np.abs(t)))
                for o, t in zip(ours, theirs))
    # the decay must have acted: the same steps without it differ
    check(worst <= TOL, f"{kind} weight_decay {wd}: params after "
          f"{len(LRS)} steps within {worst:.2e} relative of PyTorch's")
    return ours


def nn_lrs(dump, kind, lr, epochs, warmup, steps):
    out = run([dump, "schedule", kind, repr(lr), str(epochs), str(warmup),
               str(steps)])
    return [float(x) for x in out.split()]


def torch_lrs(make, lr, n, per=1):
    """The lr PyTorch's scheduler gives each of n steps; with per > 1 the
    scheduler steps once every per steps (per epoch)."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    out = []
    for i in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if (i + 1) % per == 0:
            sched.step()
    return out


def compare(what, ours, theirs, lr):
    worst = max(abs(a - b) for a, b in zip(ours, theirs)) / lr
    check(len(ours) == len(theirs) and worst <= TOL,
          f"{what}: {len(ours)} steps within {worst:.1e} of the lr")


def check_schedules(dump):
    lr, S = 0.05, 7
    for epochs in (1, 3, 10):
        T = epochs * S
        ours = nn_lrs(dump, "cosine", lr, epochs, 0, S)
        compare(f"cosine, {epochs} epochs x {S} steps vs "
                f"CosineAnnealingLR(T_max={T})", ours,
                torch_lrs(lambda o: torch.optim.lr_scheduler.
                          CosineAnnealingLR(o, T_max=T), lr, T), lr)
        compare(f"cosine, {epochs} epochs: the closed form, last step "
                f"{ours[-1]:.2e} (~0)", ours,
                [lr * 0.5 * (1 + math.cos(math.pi * s / T))
                 for s in range(T)], lr)
        compare(f"constant, {epochs} epochs: the lr at every step",
                nn_lrs(dump, "constant", lr, epochs, 0, S), [lr] * T, lr)
    for epochs in (1, 2, 4, 7, 10, 50):
        ms = [math.ceil(epochs / 2), math.ceil(3 * epochs / 4)]
        compare(f"step, {epochs} epochs vs MultiStepLR(milestones={ms}) "
                f"per epoch", nn_lrs(dump, "step", lr, epochs, 0, S),
                torch_lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(
                    o, milestones=ms, gamma=0.1), lr, epochs * S, S), lr)
    for warmup, epochs in ((1, 4), (2, 10), (3, 3)):
        W, T = warmup * S, epochs * S
        for kind in ("constant", "cosine", "step"):
            ours = nn_lrs(dump, kind, lr, epochs, warmup, S)
            compare(f"{kind}, warmup {warmup} of {epochs} epochs: steps "
                    f"0..{W - 1} vs LinearLR(start_factor=1/{W}, "
                    f"total_iters={W - 1})", ours[:W],
                    torch_lrs(lambda o: torch.optim.lr_scheduler.LinearLR(
                        o, start_factor=1 / W, end_factor=1.0,
                        total_iters=W - 1), lr, W), lr)
            if kind == "cosine" and T > W:
                compare(f"cosine after warmup {warmup} of {epochs} epochs "
                        f"vs CosineAnnealingLR(T_max={T - W})", ours[W:],
                        torch_lrs(lambda o: torch.optim.lr_scheduler.
                                  CosineAnnealingLR(o, T_max=T - W), lr,
                                  T - W), lr)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_recipe.py RECIPE_DUMP")
    dump = sys.argv[1]
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        adamw = check_optimizer(dump, tmp, "adamw", 0.01, 0.0)
        check_optimizer(dump, tmp, "adamw", 0.1, 0.0)
        adam = check_optimizer(dump, tmp, "adam", 0.0, 0.0)
        check_optimizer(dump, tmp, "adam", 0.05, 0.0)
        check_optimizer(dump, tmp, "sgd", 0.0, 0.9)
        check_optimizer(dump, tmp, "sgd", 0.05, 0.9)
        # the test can fail: decoupled decay 0.01 is visible against Adam
        gap = float(np.max(np.abs(adamw[-1] - adam[-1])) /
                    np.max(np.abs(adam[-1])))
        check(gap > 100 * TOL, f"AdamW 0.01 differs from Adam by {gap:.1e} "
              f"relative (> {100 * TOL:.0e}: the tolerance can tell)")
    check_schedules(dump)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
