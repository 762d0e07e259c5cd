"""Images as items (image=): every source (path, bytes, PIL image, URL), downscaled in the kernel as Pillow itself
downscales, cached, bad input said, and the image sent to a vision model as an image part on a real HTTP server."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fault_server import FaultServer, Reply
from PIL import Image
from sklearn.datasets import load_digits, load_sample_images

import labelwidgets as lw
from labelwidgets.errors import InputError
from labelwidgets.images import MAX_SIDE, ImageColumn, ImageProblem, load_picture
from labelwidgets.labels import LabelSet
from labelwidgets.suggesters.llm.llm import LLM

CHINA, FLOWER = load_sample_images().images  # 427×640 RGB photos, shipped with scikit-learn
DIGITS = load_digits().images  # 8×8, values 0-16


def digit(i: int) -> Image.Image:
    return Image.fromarray((DIGITS[i] * 15).astype("uint8"))


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, object]:
    big = Image.fromarray(CHINA).resize((3000, 2001), Image.Resampling.BICUBIC)  # over the 1024 px limit
    big.save(tmp_path / "china.jpg", quality=92)
    png = io.BytesIO()
    Image.fromarray(FLOWER).save(png, format="PNG")
    (tmp_path / "notes.jpg").write_text("these are words, not pixels")
    return {
        "path": str(tmp_path / "china.jpg"),
        "bytes": png.getvalue(),
        "pil": digit(0),
        "url": "https://example.org/cat.png",
        "not_an_image": str(tmp_path / "notes.jpg"),
        "empty": None,
    }


def frame(photos: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"caption {name}" for name in photos], "picture": list(photos.values())})


def decoded(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_every_source_is_sent_downscaled_as_pillow_downscales_it(photos):
    labeler = lw.Labeler(frame(photos), image="picture", labels=["a", "b"], store=None)
    images = labeler.session.images
    assert images is not None
    assert [images.ref(r) for r in range(6)] == [
        {"source": "kernel"}, {"source": "kernel"}, {"source": "kernel"},
        {"source": "url", "url": "https://example.org/cat.png"},  # shown by the browser from the URL
        {"source": "kernel"}, {"source": "none"},
    ]  # fmt: skip

    photo = images.picture(0)  # a 3000×2001 JPEG: at most 1024 px on its longer side, and said
    assert (photo.width, photo.height) == (MAX_SIDE, 683) and photo.original == (3000, 2001)
    assert photo.mime == "image/jpeg" and photo.note == "downscaled from 3000×2001 to 1024×683"
    reference = Image.open(photos["path"]).convert("RGB")  # Pillow's own thumbnail of the whole image
    reference.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    assert reference.size == (photo.width, photo.height)
    difference = np.abs(np.asarray(decoded(photo.data), dtype=float) - np.asarray(reference, dtype=float))
    assert difference.mean() < 4  # the same picture (JPEG at quality 85 and draft decoding differ a little)
    assert len(photo.data) < Path(str(photos["path"])).stat().st_size / 4

    flower = images.picture(1)  # bytes, under the limit: same size, same pixels up to JPEG
    assert (flower.width, flower.height) == (640, 427) and flower.note is None
    assert np.abs(np.asarray(decoded(flower.data), dtype=float) - FLOWER.astype(float)).mean() < 4

    small = images.picture(2)  # an 8×8 PIL image: sent losslessly, pixel for pixel
    assert small.mime == "image/png" and (small.width, small.height) == (8, 8)
    assert np.array_equal(np.asarray(decoded(small.data)), np.asarray(digit(0)))

    with pytest.raises(ImageProblem, match="URL is shown by the browser"):
        images.picture(3)  # the kernel never fetches a URL
    with pytest.raises(ImageProblem, match="is not an image Pillow can read"):
        images.picture(4)
    with pytest.raises(ImageProblem, match="empty"):
        images.picture(5)


def test_images_are_opened_once_and_the_cache_is_bounded(photos):
    images = ImageColumn(frame(photos), "picture")
    first = images.picture(0)
    assert images.picture(0) is first and images.cached == 1  # the second time from the cache
    small = ImageColumn(frame(photos), "picture", cache_bytes=len(first.data) + 10)
    small.picture(0)
    small.picture(1)  # over the budget: the least recently used one goes
    assert small.cached == 1
    assert small.picture(1) is small.picture(1)


def test_a_picture_with_transparency_stays_png_and_the_caller_image_is_left_alone():
    rgba = Image.new("RGBA", (1500, 500), (255, 0, 0, 128))
    picture = load_picture(rgba)
    assert picture.mime == "image/png" and (picture.width, picture.height) == (1024, 341)
    assert decoded(picture.data).mode == "RGBA"
    assert rgba.size == (1500, 500)  # downscaled a copy


def test_the_widget_sends_the_bytes_in_a_binary_buffer_and_marks_an_unreadable_image(photos):
    labeler = lw.Labeler(frame(photos), image="picture", labels=["a", "b"], store=None)
    widget = labeler.widget
    assert widget.config["images"] is True
    assert widget.item_payload(0)["image"] == {"source": "kernel"} and widget.item_payload(0)["text"] == "caption path"
    sent: list[tuple[dict, list[bytes]]] = []
    widget.send = lambda content, buffers=None: sent.append((content, list(buffers or [])))
    for rank in (0, 4):
        widget._send_image(labeler.session.images, rank)
    (photo, [data]), (bad, no_buffers) = sent
    assert photo == {"type": "image", "rank": 0, "mime": "image/jpeg", "width": 1024, "height": 683,
                     "note": "downscaled from 3000×2001 to 1024×683"}  # fmt: skip
    assert decoded(data).size == (1024, 683)
    assert bad["rank"] == 4 and "is not an image" in bad["error"] and no_buffers == []
    labeler.label("a")  # an item whose image cannot be shown can still be answered
    assert labeler.df["label"].iloc[0] == "a"


def test_bad_input_is_refused_with_what_to_do(photos, tmp_path):
    missing = pd.DataFrame({"text": ["x", "y", "z"], "picture": [photos["path"], "nowhere/a.png", "nowhere/b.png"]})
    with pytest.raises(InputError, match=r"2 of 3 image paths do not exist \(row 1 \(1\): 'nowhere/a.png'"):
        lw.Labeler(missing, image="picture", labels=["a", "b"], store=None)
    with pytest.raises(InputError, match="image='photo' is not a column"):
        lw.Labeler(frame(photos), image="photo", labels=["a", "b"], store=None)
    with pytest.raises(InputError, match="holds a int"):
        lw.Labeler(pd.DataFrame({"text": ["x"], "picture": [3]}), image="picture", labels=["a"], store=None)
    with pytest.raises(InputError, match="kind='spans' marks spans of the text"):
        lw.Labeler(frame(photos), image="picture", kind="spans", labels=["a", "b"], store=None)
    with pytest.raises(InputError, match="no column 'caption'"):
        lw.Labeler(frame(photos), image="picture", text="caption", labels=["a", "b"], store=None)


def test_an_image_too_large_to_open_marks_its_item(monkeypatch, tmp_path):
    path = tmp_path / "wide.png"
    Image.new("RGB", (4000, 3000), (10, 20, 30)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000_000)  # 12 Mpx is over twice the limit: a bomb to Pillow
    with pytest.raises(ImageProblem, match="too large to open"):
        load_picture(str(path))


def test_images_alone_need_no_text_column_and_urls_stay_text_when_labeling_from_python(tmp_path):
    urls = [f"https://example.org/{i}.png" for i in range(3)]
    df = pd.DataFrame({"picture": urls})
    store = tmp_path / "labels.db"
    labeler = lw.Labeler(df, image="picture", labels=["cat", "dog"], store=store, annotator="ana")
    assert labeler.session.text_column is None and labeler.widget.item_payload(0)["text"] is None
    labeler.label("cat")
    labeler.label("dog")
    labeler.close()
    assert df["picture"].tolist() == urls  # kept as text: the kernel never fetched them
    assert labeler.session.images is not None and labeler.session.images.cached == 0
    again = lw.Labeler(df, image="picture", labels=["cat", "dog"], store=store, annotator="ana")
    assert again.df["label"].tolist()[:2] == ["cat", "dog"] and again.position == 2  # restored from the store
    again.close()


# -- suggesters --


def make_llm(server: FaultServer) -> LLM:
    return LLM("openai/fake", api_base=server.url, api_key="sk-test", cache=False, timeout=5, max_retries=0)


def test_a_vision_model_is_sent_the_image_as_an_image_part(fault_server, photos):
    labeler = lw.Labeler(frame(photos), image="picture", labels=["a", "b"], store=None)
    session = labeler.session
    labels = LabelSet.parse(["a", "b"])
    llm = make_llm(fault_server)
    fault_server.script(Reply.label("b"), Reply.label("a"))
    photo, url = llm.suggest([session.item_for_suggester(0), session.item_for_suggester(3)], labels)
    assert photo.valid and url.valid
    requests = sorted(fault_server.requests, key=lambda r: r["messages"][-1]["content"][0]["text"])
    contents = [request["messages"][-1]["content"] for request in requests]
    assert contents[0][0] == {"type": "text", "text": "Text:\ncaption path"}
    assert contents[0][1]["type"] == "image_url"
    head, data = contents[0][1]["image_url"]["url"].split(",", 1)
    assert head == "data:image/jpeg;base64"
    assert decoded(base64.b64decode(data)).size == (1024, 683)  # the downscaled image, not the 3000 px file
    assert contents[1] == [{"type": "text", "text": "Text:\ncaption url"},
                           {"type": "image_url", "image_url": {"url": "https://example.org/cat.png"}}]  # fmt: skip
    fault_server.reset()
    [bad] = llm.suggest([session.item_for_suggester(4)], labels)
    assert not bad.valid and "the item's image" in (bad.error or "") and "not an image" in (bad.error or "")
    assert fault_server.request_count == 0  # nothing sent for an image that cannot be read
    fault_server.script(Reply.label("a"))
    [plain] = llm.suggest([session.item_for_suggester(5)], labels)  # an empty cell: the text alone, as before
    assert fault_server.requests[0]["messages"][-1]["content"] == "Text:\ncaption empty" and plain.valid


def test_suggesters_that_cannot_read_images_say_so(photos):
    df = frame(photos)
    with pytest.raises(InputError, match=r"lw.LLM\('gpt-3.5-turbo'\) cannot read images"):
        lw.Labeler(df, image="picture", labels=["a", "b"], store=None, suggester=lw.LLM("gpt-3.5-turbo"))
    lw.LLM("gpt-4o-mini").check_images()  # litellm knows it reads images
    lw.LLM("openai/my-local-vision-model", api_base="http://127.0.0.1:9/v1").check_images()  # unknown: trusted
    with pytest.raises(InputError, match=r"lw\.Learner cannot use images"):
        lw.Labeler(df, image="picture", labels=["a", "b"], store=None, suggester=lw.Learner())
    with pytest.raises(InputError, match=r"lw\.LocalLLM cannot use images"):
        lw.Labeler(df, image="picture", labels=["a", "b"], store=None, suggester=lw.LocalLLM())


def test_every_whole_item_kind_shows_images():
    pictures = [digit(i) for i in range(4)]
    pairs = pd.DataFrame({"picture": pictures, "a": ["one", "two", "three", "four"], "b": ["1", "2", "3", "4"]})
    judged = lw.Labeler(pairs, kind="pair", image="picture", outputs=("a", "b"), store=None)
    payload = judged.widget.item_payload(0)
    assert payload["image"] == {"source": "kernel"} and payload["text"] is None  # no prompt: the image is the item
    assert {payload["view"]["left"]["name"], payload["view"]["right"]["name"]} == {"a", "b"}
    judged.label("b")
    several = lw.Labeler(
        pd.DataFrame({"picture": pictures}), kind="multi", image="picture", labels=["round", "straight"], store=None
    )
    several.label(["round", "straight"])
    assert judged.df["label"].iloc[0] == "b" and several.df["label"].iloc[0] == ["round", "straight"]
    assert np.array_equal(np.asarray(decoded(several.session.images.picture(3).data)), np.asarray(pictures[3]))
