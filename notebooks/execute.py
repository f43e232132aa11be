"""Run the notebooks top to bottom in a kernel of this Python, and save their outputs.

``python notebooks/execute.py`` executes every ``notebooks/NN_*.ipynb`` in place (the
committed notebooks carry the outputs of such a run); ``python notebooks/execute.py
02_vae.ipynb`` executes one. ``tests/notebooks/test_notebooks.py`` uses the same
functions without writing. Nothing is registered globally: the kernel spec, which
runs ``sys.executable -m ipykernel_launcher``, lives in a temporary ``JUPYTER_PATH``
folder for the duration of the run.
"""

import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KERNEL_NAME = "lamina-this-python"
NOTEBOOKS = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


@contextlib.contextmanager
def kernel_of_this_python():
    """A kernel spec named ``KERNEL_NAME`` that starts ``sys.executable``'s ipykernel
    with the checkout on ``PYTHONPATH``; yields its name, then removes it."""
    saved = os.environ.get("JUPYTER_PATH")
    with tempfile.TemporaryDirectory(prefix="lamina-kernel-") as folder:
        spec_dir = Path(folder, "kernels", KERNEL_NAME)
        spec_dir.mkdir(parents=True)
        python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (lamina)",
            "language": "python",
            "env": {"PYTHONPATH": python_path},
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (folder, saved) if p)
        try:
            yield KERNEL_NAME
        finally:
            if saved is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = saved


def execute(path, kernel_name, timeout=600):
    """The notebook at ``path``, executed top to bottom in ``kernel_name`` with the
    notebooks folder as its working directory (raises on the first failing cell)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=timeout,
        resources={"metadata": {"path": str(HERE)}},
        coalesce_streams=True,  # a progress bar's redraws become its final lines
        record_timing=False,
    )
    client.execute()
    # The committed notebooks name a generic kernel, not the temporary one.
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    return nb


def main(argv=None):
    import nbformat

    names = (argv if argv is not None else sys.argv[1:]) or [p.name for p in NOTEBOOKS]
    with kernel_of_this_python() as kernel:
        for name in names:
            path = HERE / name
            start = time.perf_counter()
            nb = execute(path, kernel)
            nbformat.validate(nb)
            nbformat.write(nb, path)
            print(f"{name}: executed in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
