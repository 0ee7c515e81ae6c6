"""Execute a notebook top to bottom with its own (default) parameters in this interpreter's kernel.

Usage: .venv-current/bin/python scripts/run_notebook.py notebooks/quickstart.ipynb --out /tmp/executed

The executed copy (with outputs) is written to OUT/<name>; the figures the README quotes for a
notebook's default parameters come from this command. Nothing in notebooks/ is modified.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import nbclient
import nbformat

KERNEL_NAME = "tfcompress-run-notebook"


def kernelspec_folder(root):
    """A kernelspec that runs this interpreter, in ``root`` (used through JUPYTER_PATH)."""
    folder = os.path.join(root, "kernels", KERNEL_NAME)
    os.makedirs(folder)
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": f"Python ({sys.prefix})", "language": "python"}
    with open(os.path.join(folder, "kernel.json"), "w", encoding="utf-8") as handle:
        json.dump(spec, handle)
    return root


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--out", required=True, help="folder for the executed copy and the notebook's own files")
    parser.add_argument("--cell-timeout", type=int, default=1800)
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    with open(args.notebook, encoding="utf-8") as handle:
        nb = nbformat.read(handle, as_version=4)
    with tempfile.TemporaryDirectory() as jupyter:
        os.environ["JUPYTER_PATH"] = kernelspec_folder(jupyter)
        client = nbclient.NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=args.cell_timeout,
                                         resources={"metadata": {"path": os.path.abspath(args.out)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    path = os.path.join(args.out, os.path.basename(args.notebook))
    with open(path, "w", encoding="utf-8") as handle:
        nbformat.write(nb, handle)
    print(json.dumps({"executed": path, "seconds": round(seconds, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
