"""The committed notebooks: clean, each starting with the Colab install and a tiny test configuration."""
import os

import pytest

from tests.notebooks.notebook_runner import NEEDS, SMALL, assigned_names, code_cells, nbformat, notebook_paths, read


def test_every_notebook_has_a_tiny_configuration():
    assert {os.path.basename(path) for path in notebook_paths()} == set(SMALL) and set(NEEDS) <= set(SMALL)


@pytest.mark.parametrize("path", notebook_paths(), ids=os.path.basename)
def test_committed_notebook_is_clean_and_starts_with_the_colab_install(path):
    nb = read(path)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    cells = code_cells(nb)
    for cell in cells:
        assert cell.outputs == [] and cell.execution_count is None, f"committed outputs in cell {cell.id}"
    install, parameters = cells[0], cells[1]
    assert '"google.colab" in sys.modules' in install.source
    assert install.source.splitlines()[0].startswith('TFCOMPRESS_SOURCE = ""')
    colab = install.source.split("if IN_COLAB:")[1]
    for step in ("git", "clone", ".whl", '"pip", "install"', '[full]'):  # the README's install, from a clone or a wheel
        assert step in colab, step
    assert parameters.metadata.get("tags") == ["parameters"]
    assert sum("parameters" in cell.metadata.get("tags", []) for cell in nb.cells) == 1
    code = "\n".join(cell.source for cell in cells)
    for local in ("/work/", "/home/", "/tmp/", "/content/", "file://", ".venv", "C:\\", "<owner>", "<repo>"):
        assert local not in code, f"local path {local!r} in the code of {path}"
    if os.path.basename(path) in SMALL:
        assert assigned_names(parameters.source) == set(SMALL[os.path.basename(path)])
