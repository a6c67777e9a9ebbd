#!/usr/bin/python3
"""weights_diff.py A.safetensors B.safetensors: prints the largest relative
difference max|a - b| / max|a| over the tensors of two safetensors files of
the same model (f32 only, plain Python: no numpy needed)."""
import json
import struct
import sys


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        a, b = t["data_offsets"]
        out[name] = struct.unpack("<%df" % ((b - a) // 4), body[a:b])
    return out


a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
if sorted(a) != sorted(b):
    sys.exit("the files hold different tensors")
worst = 0.0
for name in a:
    scale = max(abs(x) for x in a[name]) or 1.0
    diff = max(abs(x - y) for x, y in zip(a[name], b[name]))
    worst = max(worst, diff / scale)
print("%.3g" % worst)
