#!/bin/sh
# Runs a test script with Debian's interpreter, which sees Debian's
# python3-torch, python3-onnx and python3-opencv (a python3 earlier on PATH,
# such as a pyenv one, may not). Skips (77) without it.
if [ ! -x /usr/bin/python3 ]; then
    echo "SKIP: /usr/bin/python3 not found (apt-get install python3)"
    exit 77
fi
exec /usr/bin/python3 "$@"
