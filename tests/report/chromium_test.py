"""report.html rendered in headless Chromium: the screenshot is not blank and every picture loads."""
import os
import re
import signal
import subprocess

import pytest

from tests.report.conftest import image_sources

CHROMIUM = "/usr/bin/chromium"
requires_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason="needs Debian's Chromium at /usr/bin/chromium (`make setup` installs it)")


def chromium(arguments, profile, timeout=180):
    """Run headless Chromium; killed (its whole process group) when it takes longer than ``timeout``."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", f"--user-data-dir={profile}", *arguments]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {timeout}s and was killed: {' '.join(command)}")
    assert process.returncode == 0, stderr[-3000:]
    return stdout


IMAGE_CHECK = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  document.body.setAttribute("data-images-total", images.length);
  document.body.setAttribute("data-images-loaded",
                             images.filter(function (image) { return image.naturalWidth > 0; }).length);
});
</script>
"""


@requires_chromium
def test_the_page_renders_in_headless_chromium_with_every_picture_loaded(quick_report, tmp_path):
    from PIL import Image

    out, _ = quick_report
    page = (out / "report.html").read_text()
    screenshot = tmp_path / "report.png"
    chromium([f"--screenshot={screenshot}", "--window-size=1280,4000", (out / "report.html").as_uri()],
             tmp_path / "profile-screenshot")
    with Image.open(screenshot) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    assert len(colours) > 500, f"the screenshot looks blank: {len(colours)} colours"

    # The same page, from a copy that resolves its links in the run folder, counts its loaded pictures.
    checked = tmp_path / "report_checked.html"
    checked.write_text(page.replace("<head>", f'<head>\n<base href="{out.as_uri()}/">', 1)
                       .replace("</body>", IMAGE_CHECK + "</body>", 1))
    dom = chromium(["--dump-dom", "--virtual-time-budget=5000", checked.as_uri()], tmp_path / "profile-dom")
    total = re.search(r'data-images-total="(\d+)"', dom)
    loaded = re.search(r'data-images-loaded="(\d+)"', dom)
    assert total and loaded, "the page's load event did not fire within the time budget"
    expected = len(image_sources(page))
    assert expected >= 2 and int(total.group(1)) == expected
    assert int(loaded.group(1)) == expected
