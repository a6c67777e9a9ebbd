"""harness.py: what the parity scripts share: skipping without their
packages, checks that are counted and printed one a line, and running a
command whose failure is an error."""
import importlib
import subprocess
import sys

failed = 0


def require(*modules, packages):
    """The modules, imported; without one, exits 77 (skipped) saying which
    Debian packages bring them."""
    try:
        return [importlib.import_module(m) for m in modules]
    except ImportError as e:
        print(f"SKIP: {e} (apt-get install {packages}; run with "
              f"/usr/bin/python3)")
        sys.exit(77)


def check(ok, what):
    """Prints ok/FAIL and the check's text; counts the failures."""
    global failed
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    failed += not ok


def run(cmd):
    """Runs cmd; returns its stdout, raises with its stderr on failure."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}\n"
                           f"{r.stderr}")
    return r.stdout


def summary():
    """The closing line, and the exit status: 1 when any check failed."""
    print(f"{failed} failed")
    return 1 if failed else 0
