"""Images as items: a column of file paths, ``bytes``, PIL images or http(s) URLs, shown beside (or instead of) text.

What leaves the kernel is never the original file: each image is opened with Pillow, downscaled so that its longest
side is at most `MAX_SIDE` pixels (a labeling view is rarely wider than that, and a 4 MB photo becomes ~100-200 kB),
encoded once (JPEG, or PNG when it has transparency or is small enough to be drawn pixel by pixel) and kept in a
small cache (`CACHE_BYTES`), so that going back and forth never opens a file twice. The browser asks for the images
of the item shown and of the next ones (the view prefetches them, decodes them and swaps the decoded one in when a
key moves on), and each arrives as one custom message with the bytes in a binary buffer: no base64, no JSON escaping.

URLs are never fetched by the kernel: the browser shows them from the URL (the kernel may have no internet, and the
person's browser has the cookies), a vision model is sent the URL itself, and anything that stores an item keeps
the URL as text.

Bad input, and what it does:
  * a path that does not exist: `ImageColumn` refuses the column at once, naming the rows (checked when the Labeler
    is made: one ``stat`` per path, ~2 µs);
  * a file that is not an image (or is broken): found when it is first opened; the item is marked in the view (the
    reason shown where the image would be; the item can still be answered or skipped) and a vision model's
    suggestion for it is invalid with the same reason;
  * an image larger than `MAX_SIDE`: downscaled, and said under it ("downscaled from 4000×3000"); one beyond
    Pillow's decompression-bomb limit is not opened (the item is marked).
"""

from __future__ import annotations

import base64
import io
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from labelwidgets.errors import InputError
from labelwidgets.missing import is_missing

if TYPE_CHECKING:
    import pandas as pd

#: The longest side, in pixels, of an image as it leaves the kernel (to the browser and to a vision model): the width
#: of a labeling view on a wide screen; 1024 is also the tile size vision models price and read images at.
MAX_SIDE = 1024
#: Images at most this many pixels on their longer side are sent as PNG (lossless; the view draws them pixelated).
SMALL_SIDE = 128
#: JPEG quality of the images sent: no visible loss at the sizes shown, ~5-10× smaller than PNG for photos.
JPEG_QUALITY = 85
#: Bytes of downscaled images kept in the kernel (~400 photos): going back never opens a file again.
CACHE_BYTES = 64 * 2**20
#: Rows named in an error about missing files.
ROWS_NAMED = 5

_URL_PREFIXES = ("http://", "https://")


class ImageProblem(Exception):
    """One item's image cannot be shown: not found, not an image, too large to open. The message says which."""


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(_URL_PREFIXES)


def _is_pil(value: object) -> bool:
    return type(value).__module__.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "size")


def source_of(value: object) -> str | None:
    """What kind of image source ``value`` is: "url", "path", "bytes" or "pil"; None when the cell is empty."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    if _is_pil(value):
        return "pil"
    if isinstance(value, os.PathLike):
        return "path"
    if is_missing(value):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        return "url" if is_url(value) else "path"
    raise InputError(
        f"an image cell holds a {type(value).__name__}; image= takes a column of file paths, bytes, PIL images or "
        f"http(s) URLs."
    )


@dataclass(frozen=True)
class Picture:
    """An image as sent: encoded bytes at most `MAX_SIDE` on its longer side, and what was done to it."""

    data: bytes
    mime: str
    width: int
    height: int
    original: tuple[int, int]  # width, height of the source

    @property
    def downscaled(self) -> bool:
        return (self.width, self.height) != self.original

    @property
    def note(self) -> str | None:
        """What the person is told about the image besides itself (that it was made smaller), or None."""
        if not self.downscaled:
            return None
        return f"downscaled from {self.original[0]}×{self.original[1]} to {self.width}×{self.height}"

    def data_url(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def load_picture(value: Any, *, max_side: int = MAX_SIDE) -> Picture:
    """Open ``value`` (a path, bytes or a PIL image), downscale it to ``max_side`` and encode it; `ImageProblem`
    when it cannot be (a URL is never opened here: the browser or the model reads it)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    source = source_of(value)
    if source is None:
        raise ImageProblem("the image cell is empty")
    if source == "url":
        raise ImageProblem("a URL is shown by the browser, not opened in the kernel")
    try:
        if source == "pil":
            image = value.copy()  # never change the caller's image
        else:
            stream = io.BytesIO(bytes(value)) if source == "bytes" else os.fspath(value)
            image = Image.open(stream)
        original = image.size
        if image.format == "JPEG" and max(original) > max_side:
            # JPEG decodes at 1/2, 1/4 or 1/8 scale directly: a 4000 px photo is read as ~1000 px, ~8× faster.
            # draft keeps both sides at least the size asked for: ask for the downscaled size, not a square.
            scale = max_side / max(original)
            image.draft("RGB", (math.ceil(original[0] * scale), math.ceil(original[1] * scale)))
        image = ImageOps.exif_transpose(image) or image
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")
        alpha = image.mode in ("RGBA", "LA", "PA")
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if alpha else "RGB")
        if max(image.size) > max_side:
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
        if exif_swapped(image.size, original):
            original = (original[1], original[0])
        out = io.BytesIO()
        if alpha or max(image.size) <= SMALL_SIDE:
            image.save(out, format="PNG", optimize=False)
            mime = "image/png"
        else:
            image.save(out, format="JPEG", quality=JPEG_QUALITY)
            mime = "image/jpeg"
    except FileNotFoundError:
        raise ImageProblem(f"no file {os.fspath(value)!r}") from None
    except IsADirectoryError:
        raise ImageProblem(f"{os.fspath(value)!r} is a folder, not an image") from None
    except UnidentifiedImageError:
        what = f"the file {os.fspath(value)!r}" if source == "path" else "the bytes"
        raise ImageProblem(f"{what} is not an image Pillow can read") from None
    except Image.DecompressionBombError as error:
        raise ImageProblem(f"the image is too large to open ({error})") from None
    except (OSError, ValueError, SyntaxError) as error:  # a truncated or broken file
        raise ImageProblem(f"the image could not be read: {error}") from None
    return Picture(out.getvalue(), mime, image.size[0], image.size[1], original)


def exif_swapped(size: tuple[int, int], original: tuple[int, int]) -> bool:
    """Whether EXIF orientation turned the image a quarter turn (its sides swapped), by the aspect ratios."""
    if original[0] == original[1]:
        return False
    return (size[0] >= size[1]) != (original[0] >= original[1])


class ImageColumn:
    """The images of one column of a DataFrame: checked once, opened on demand, downscaled and cached."""

    def __init__(self, df: pd.DataFrame, column: str, *, max_side: int = MAX_SIDE, cache_bytes: int = CACHE_BYTES):
        if column not in df.columns:
            raise InputError(f"image={column!r} is not a column; the DataFrame has the columns {list(df.columns)}.")
        self.column = column
        self.values = df[column]
        self.max_side = max_side
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[int, Picture] = OrderedDict()
        self._cached_bytes = 0
        self._lock = threading.Lock()
        self._check_paths(df)

    def _check_paths(self, df: pd.DataFrame) -> None:
        missing: list[int] = []
        count = 0
        for row, value in enumerate(self.values.to_numpy(dtype=object)):
            if source_of(value) == "path" and not os.path.exists(value):
                count += 1
                if len(missing) < ROWS_NAMED:
                    missing.append(row)
        if count:
            named = ", ".join(f"row {row} ({df.index[row]!r}): {self.values.iat[row]!r}" for row in missing)
            raise InputError(
                f"image={self.column!r}: {count} of {len(df)} image paths do not exist ({named}"
                f"{', …' if count > len(missing) else ''}). Fix the paths (relative ones are read from "
                f"{os.getcwd()!r}) or drop those rows."
            )

    def source(self, row: int) -> str | None:
        return source_of(self.values.iat[row])

    def ref(self, row: int) -> dict[str, str]:
        """What the view is told about row ``row``'s image: its URL (shown by the browser), that the kernel sends it
        when asked, or that the cell is empty."""
        value = self.values.iat[row]
        source = source_of(value)
        if source is None:
            return {"source": "none"}
        if source == "url":
            return {"source": "url", "url": str(value).strip()}
        return {"source": "kernel"}

    def picture(self, row: int) -> Picture:
        """Row ``row``'s image downscaled and encoded (from the cache after the first time); `ImageProblem`."""
        with self._lock:
            cached = self._cache.get(row)
            if cached is not None:
                self._cache.move_to_end(row)
                return cached
        picture = load_picture(self.values.iat[row], max_side=self.max_side)  # outside the lock: others go on
        with self._lock:
            if row not in self._cache:
                self._cache[row] = picture
                self._cached_bytes += len(picture.data)
                while self._cached_bytes > self.cache_bytes and len(self._cache) > 1:
                    _, dropped = self._cache.popitem(last=False)
                    self._cached_bytes -= len(dropped.data)
        return picture

    def for_model(self, row: int) -> ItemImage | None:
        """The image of row ``row`` as a suggester receives it, or None when the cell is empty."""
        if self.source(row) is None:
            return None
        return ItemImage(self, row)

    @property
    def cached(self) -> int:
        return len(self._cache)


class ItemImage:
    """One item's image as a suggester sees it (in `Item.fields`, under the image column's name): ``url()`` is what a
    vision model is sent (the http(s) URL itself, or the downscaled image as a data URL); ``value`` is the cell."""

    def __init__(self, column: ImageColumn, row: int):
        self._column = column
        self._row = row
        self.value = column.values.iat[row]

    def url(self) -> str:
        """The http(s) URL, or a ``data:`` URL of the downscaled image; `ImageProblem` when it cannot be read."""
        if is_url(self.value):
            return str(self.value).strip()
        return self._column.picture(self._row).data_url()

    def __repr__(self) -> str:
        shown = self.value if isinstance(self.value, (str, os.PathLike)) else type(self.value).__name__
        return f"ItemImage({shown!r})"


def images_in(fields: Any) -> Sequence[ItemImage]:
    """The item images among an Item's fields (what a vision model is sent with the text)."""
    return [value for value in getattr(fields, "values", lambda: [])() if isinstance(value, ItemImage)]


def refuse_images(suggester: Any, image_column: str | None) -> None:
    """Ask a suggester whether it can use the items' images (its ``check_images()``, like ``check_kind``)."""
    if image_column is None:
        return
    check = getattr(suggester, "check_images", None)
    if callable(check):
        check()
