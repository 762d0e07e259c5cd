"""Images as items in a real browser: the item's image painted beside its text, downscaled in the kernel, the next
one decoded before the key that shows it (it is in the frame at the next animation frame after the key), an http URL
loaded by the browser itself, a file that is not an image marked on its item."""

from __future__ import annotations

import http.server
import textwrap
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from jupyter_browser import NotebookPage
from PIL import Image
from playwright.sync_api import expect
from sklearn.datasets import load_sample_images

pytestmark = pytest.mark.browser

CELL = textwrap.dedent(
    """
    import io, pathlib, tempfile
    import numpy as np, pandas as pd, labelwidgets as lw
    from PIL import Image
    from sklearn.datasets import load_digits, load_sample_images
    folder = pathlib.Path(tempfile.mkdtemp())
    china, flower = load_sample_images().images
    big = Image.fromarray(china).resize((2560, 1707))   # larger than the 1024 px limit: downscaled, and said
    big.save(folder / "china.jpg", quality=92)
    flower_png = io.BytesIO(); Image.fromarray(flower).save(flower_png, format="PNG")
    digits = load_digits()
    (folder / "notes.jpg").write_text("not an image at all")
    digit = lambda i: Image.fromarray((digits.images[i] * 15).astype("uint8"))  # 8×8 pixels, values 0-16
    images = [str(folder / "china.jpg"), flower_png.getvalue(), digit(0), {url!r}, str(folder / "notes.jpg"), digit(1)]
    df = pd.DataFrame({{"text": [f"caption {{i}}" for i in range(6)], "picture": images}})
    labeler = lw.Labeler(df, image="picture", labels=["a", "b"], store={store!r}, annotator="ana")
    labeler
    """
)

# Before the widget handles the key (a capture listener on the page), note whether the next item's image is already
# decoded; at the next animation frame (the frame that paints the key's result), note which image the frame holds.
ARM = """(next) => {
  window.__lwImage = null;
  const root = document.querySelector('.lw-labeler');
  const listener = () => {
    window.removeEventListener('keydown', listener, true);
    const img = root.querySelector(`img[data-rank="${next}"]`);
    const ready = !!img && img.complete && img.naturalWidth > 0 && img.dataset.ready === '1';
    requestAnimationFrame(() => {
      const shown = root.querySelector('.lw-image-frame img');
      window.__lwImage = {ready, shown: shown ? shown.dataset.rank : null, width: shown ? shown.naturalWidth : 0};
    });
  };
  window.addEventListener('keydown', listener, true);
}"""


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one PNG: the browser loads a URL image from it, the kernel never."""
    flower = load_sample_images().images[1]
    Image.fromarray(flower[::2, ::2]).save(tmp_path / "flower.png")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/flower.png"
    finally:
        server.shutdown()
        server.server_close()


def test_image_items_are_painted_and_the_next_one_is_decoded_before_its_key(
    jupyter_server, browser_context, image_server
):
    name = "images.ipynb"
    nb = NotebookPage.open(
        browser_context, jupyter_server, name, [CELL.format(url=image_server, store=name.replace(".ipynb", ".db"))]
    )
    nb.run_all()
    try:
        root = nb.page.locator(".lw-labeler").first
        frame_img = root.locator(".lw-image-frame img")
        note = root.locator(".lw-image-note")
        position = root.locator(".lw-position")
        # item 1: a 2560 px JPEG, sent at 1024 px, said under it; its caption beside it, as text
        expect(frame_img).to_have_attribute("data-rank", "0", timeout=60_000)
        expect(frame_img).to_have_attribute("data-ready", "1")
        assert frame_img.evaluate("img => img.naturalWidth") == 1024
        expect(note).to_have_text("downscaled from 2560×1707 to 1024×683")
        expect(root.locator("[data-testid=lw-text]")).to_have_text("caption 0")
        assert np.isclose(frame_img.evaluate("img => img.naturalHeight"), 683, atol=1)

        root.locator("[data-testid=lw-text]").click()  # the keyboard to the widget
        for shown, key in [(1, "1"), (2, "2")]:  # item 2 (bytes, PNG) and item 3 (a PIL image of 8×8 pixels)
            # the next item's image is asked for and decoded while this one is shown, in the hidden holder
            expect(root.locator(f".lw-image-holder img[data-rank='{shown}']")).to_have_attribute("data-ready", "1")
            nb.page.evaluate(ARM, shown)
            nb.page.keyboard.press(key)
            nb.page.wait_for_function("() => window.__lwImage !== null")
            seen = nb.page.evaluate("() => window.__lwImage")
            assert seen["ready"] is True, seen  # decoded before the key was pressed
            assert seen["shown"] == str(shown), seen  # and in the frame at the first frame after the key
            expect(position).to_have_text(f"{shown + 1} / 6")
        assert frame_img.evaluate("img => img.naturalWidth") == 8  # small images are sent as they are (PNG) ...
        assert frame_img.evaluate("img => img.getBoundingClientRect().width") > 100  # ... and drawn enlarged
        expect(note).to_have_text("")

        nb.page.keyboard.press("1")  # item 4: an http URL, loaded by the browser from the URL itself
        expect(position).to_have_text("4 / 6")
        expect(frame_img).to_have_attribute("src", image_server)
        expect(frame_img).to_have_attribute("data-ready", "1")

        nb.page.keyboard.press("2")  # item 5: a file that is not an image: the item is marked, and can be answered
        expect(position).to_have_text("5 / 6")
        expect(note).to_contain_text("Image could not be shown")
        expect(note).to_contain_text("is not an image")
        expect(frame_img).to_have_count(0)
        nb.page.keyboard.press("1")
        expect(position).to_have_text("6 / 6")
        expect(frame_img).to_have_attribute("data-rank", "5")
        expect(root.locator(".lw-save")).to_have_text("Saved ✓")
        labels = nb.evaluate_json("df['label']")
        assert labels == ["a", "b", "a", "b", "a", None]
        assert nb.evaluate_json("labeler.session.images.cached") == 4  # each image from the kernel, opened once
    finally:
        nb.close()
