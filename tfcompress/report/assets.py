"""Files: the plots written into ``report_files/``, and links to what the run wrote."""
import importlib.util
import io
import os
import shutil

from tfcompress.atomic import write_bytes_atomic
from tfcompress.report.blocks import Absent, Image

FILES_DIR = "report_files"


class Assets:
    """Where the report's pictures go (``out_dir/report_files``) and how the pages refer to files."""

    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.folder = os.path.join(out_dir, FILES_DIR)
        self.written = set()
        self.no_plots = None if importlib.util.find_spec("matplotlib") else \
            "plot not drawn: matplotlib is not installed (pip install matplotlib)"

    def plot(self, name, draw, *data, caption):
        """Draw ``draw(figure, *data)`` into ``report_files/<name>.png``; an ``Image`` block (or why not)."""
        if self.no_plots:
            return Absent(caption, self.no_plots)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(10, 4), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        draw(figure, *data)
        image = io.BytesIO()
        figure.savefig(image, format="png")
        path = os.path.join(self.folder, f"{name}.png")
        write_bytes_atomic(image.getvalue(), path)
        self.written.add(path)
        return Image(self.relative(path), caption)

    def href(self, path):
        """A relative link to a file the run wrote, or ``None`` when there is no such file."""
        path = self.existing(path)
        return self.relative(path) if path else None

    def picture(self, path):
        """Like ``href``, for a picture the page shows: one outside the report's folder is copied into
        report_files/ so that the page stays whole."""
        path = self.existing(path)
        if not path:
            return None
        if os.path.commonpath([path, self.out_dir]) != self.out_dir:
            copy = os.path.join(self.folder, os.path.basename(path))
            os.makedirs(self.folder, exist_ok=True)
            shutil.copyfile(path, copy)
            self.written.add(copy)
            path = copy
        return self.relative(path)

    def existing(self, path):
        """The absolute path of a file metrics.json names, also when the run folder has moved since."""
        if not path:
            return None
        if not os.path.exists(path):
            moved = os.path.join(self.out_dir, os.path.basename(os.path.dirname(path)), os.path.basename(path))
            if not os.path.exists(moved):
                moved = os.path.join(self.out_dir, os.path.basename(path))
            if not os.path.exists(moved):
                return None
            path = moved
        return os.path.abspath(path)

    def relative(self, path):
        return os.path.relpath(path, self.out_dir).replace(os.sep, "/")

    def remove_stale_files(self):
        """Pictures an earlier report left in report_files/ that this one no longer shows."""
        if not os.path.isdir(self.folder):
            return
        for name in os.listdir(self.folder):
            path = os.path.join(self.folder, name)
            if path not in self.written and os.path.isfile(path):
                os.remove(path)
