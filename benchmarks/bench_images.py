"""Key press -> next image painted, in a real browser, with 1,000 images of 1-4 MB (image=).

Uses the shared peer-latency harness (../shared/tools/peer-latency/bench_peers.py, loaded as benchmarks/peer_latency.py
does) for its isolated JupyterLab, Chromium flags, kernel wait and cell runner; the timing is this file's own, since
the harness watches text and this watches an image. For each decision: a capture-phase keydown listener notes the
time and whether the next item's <img> is already decoded (prefetched), then every animation frame checks whether the
frame shows the next item's image, complete; the latency is from the keydown to the animation frame that paints it
(the harness's definition of painted). A first-show time is measured from running the display cell to the first
image painted.

The images: 50 pictures made with NumPy and Pillow (scikit-learn's two sample photos, upscaled to 1,800-3,600 px
wide with noise, JPEG quality 92), written as 1,000 files of 1-4 MB, each file distinct (a JPEG comment with its
number): the kernel opens, decodes and downscales every one of them on its own.

    python benchmarks/bench_images.py --decisions 150 --think-ms 250 --out benchmarks/results/images.json
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_latency import load_harness

FILES = 1000
PICTURES = 50
MB = 1_000_000

ARM = """([next, timeoutMs]) => {
  const root = document.querySelector('.lw-labeler');
  window.__lwImage = new Promise((resolve) => {
    const onKey = () => {
      window.removeEventListener('keydown', onKey, true);
      const t0 = performance.now();
      const pre = root.querySelector(`img[data-rank="${next}"]`);
      const ready = !!pre && pre.dataset.ready === '1' && pre.complete;
      let frames = 0;
      const check = () => {
        frames += 1;
        const img = root.querySelector('.lw-image-frame img');
        if (img && img.dataset.rank === String(next) && img.complete && img.naturalWidth > 0) {
          resolve({ms: performance.now() - t0, ready, frames});
        } else if (performance.now() - t0 > timeoutMs) {
          resolve({timeout: true, ready, frames});
        } else {
          requestAnimationFrame(check);
        }
      };
      requestAnimationFrame(check);
    };
    window.addEventListener('keydown', onKey, true);
  });
}"""

FIRST_SHOW = """async ([cellIndex, timeoutMs]) => {
  const app = window.jupyterapp; const nb = app.shell.currentWidget;
  app.shell.activateById(nb.id); nb.content.activeCellIndex = cellIndex; nb.content.deselectAll();
  const t0 = performance.now();
  app.commands.execute('notebook:run-cell');
  return await new Promise((resolve) => {
    const check = () => {
      const img = document.querySelector('.lw-labeler .lw-image-frame img');
      if (img && img.complete && img.naturalWidth > 0) resolve({ms: performance.now() - t0});
      else if (performance.now() - t0 > timeoutMs) resolve({timeout: true});
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}"""


def make_images(folder: Path, seed: int = 0) -> list[Path]:
    """1,000 JPEG files of 1-4 MB made from 50 noisy pictures, each file distinct."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    photos = load_sample_images().images
    pictures: list[bytes] = []
    while len(pictures) < PICTURES:
        width = int(rng.integers(1800, 3600))
        height = width * 2 // 3
        base = np.asarray(Image.fromarray(photos[len(pictures) % 2]).resize((width, height)), dtype=np.int16)
        noise = rng.normal(0, rng.uniform(3, 14), size=(height, width, 1)).astype(np.int16)
        out = io.BytesIO()
        Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=92)
        if 1 * MB <= out.tell() <= 4 * MB:
            pictures.append(out.getvalue())
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(FILES):
        data = pictures[i % PICTURES]
        comment = f"labelwidgets bench image {i}".encode()
        marked = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]  # SOI, COM, ...
        path = folder / f"img{i:04d}.jpg"
        path.write_bytes(marked)
        paths.append(path)
    return paths


def open_times(paths: list[Path]) -> dict:
    """Milliseconds (wall, and CPU of this thread) to open, downscale and encode each image, as the kernel does."""
    from labelwidgets.images import load_picture

    wall, cpu = [], []
    for path in paths:
        started, started_cpu = time.perf_counter(), time.thread_time()
        load_picture(str(path))
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return {"n": len(wall), "wall_median": statistics.median(wall), "wall_max": max(wall),
            "cpu_median": statistics.median(cpu), "cpu_max": max(cpu), "load": os.getloadavg()}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=150)
    parser.add_argument("--think-ms", type=int, default=250, help="pause after each image painted (a person's pace)")
    parser.add_argument("--settle-ms", type=int, default=2000, help="pause after the first image before the first key")
    parser.add_argument("--out", default="benchmarks/results/images.json")
    parser.add_argument("--open-only", action="store_true", help="only time opening 50 images in this process")
    args = parser.parse_args(argv)
    if args.open_only:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(open_times(make_images(Path(folder))[:PICTURES])))
        return 0
    bench = load_harness()
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="lw-bench-images-"))
    started = time.perf_counter()
    paths = make_images(root / "images")
    sizes = [p.stat().st_size for p in paths]
    result: dict = {
        "open_ms": open_times(paths[:PICTURES]),
        "files": len(paths),
        "file_mb": {"min": min(sizes) / MB, "median": statistics.median(sizes) / MB, "max": max(sizes) / MB},
        "make_images_s": time.perf_counter() - started,
        "think_ms": args.think_ms,
        "settle_ms": args.settle_ms,
        "load_before": os.getloadavg(),
    }
    print(json.dumps(result), flush=True)
    cells = [
        "import pandas as pd, labelwidgets as lw\n"
        f"paths = sorted(str(p) for p in __import__('pathlib').Path({str(root / 'images')!r}).glob('*.jpg'))\n"
        "df = pd.DataFrame({'text': [f'item {i}' for i in range(len(paths))], 'path': paths})",
        "labeler = lw.Labeler(df, image='path', labels=['pos', 'neg'], store=None, annotator='bench')\nlabeler",
        "import json\nimages = labeler.session.images\n"
        "sent = [len(p.data) for p in images._cache.values()]\n"
        "print(json.dumps({'decided': int(df['label'].notna().sum()), 'cached': len(sent),"
        " 'sent_kb_median': sorted(sent)[len(sent) // 2] / 1000}))",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(notebook, root / "images.ipynb")
    try:
        with bench.jupyter_lab(root) as (base, token), sync_playwright() as pw:
            profile = tempfile.mkdtemp(prefix="lw-chromium-")
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=bench.CHROMIUM, headless=True, args=bench.CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )  # fmt: skip
            page = context.new_page()
            page.goto(f"{base}/lab/tree/images.ipynb?reset&token={token}", wait_until="domcontentloaded")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=90_000)
            page.evaluate(bench.JS_WAIT_KERNEL)
            result["raf"] = page.evaluate(bench.JS_INSTALL)
            page.evaluate(bench.JS_RUN_CELL, 0)
            result["first_show_ms"] = page.evaluate(FIRST_SHOW, [1, 60_000]).get("ms")
            page.locator(".lw-labeler [data-testid=lw-text]").first.click()
            page.wait_for_timeout(args.settle_ms)  # a person looks at the first image before the first key
            records = []
            for i in range(args.decisions):
                page.evaluate(ARM, [i + 1, 10_000])
                page.keyboard.press("1" if i % 2 == 0 else "2")
                records.append(page.evaluate("() => window.__lwImage"))
                if args.think_ms:
                    page.wait_for_timeout(args.think_ms)
            painted = [r["ms"] for r in records if "ms" in r]
            result["decisions"] = len(records)
            result["timeouts"] = sum(1 for r in records if r.get("timeout"))
            result["prefetched_at_key"] = sum(1 for r in records if r.get("ready")) / len(records)
            result["frames_to_paint"] = {str(k): sum(1 for r in records if r.get("frames") == k) for k in (1, 2, 3)}
            result["key_to_image_painted_ms"] = bench._summary(painted)
            result["prefetched_ms"] = bench._summary([r["ms"] for r in records if "ms" in r and r["ready"]])
            result["not_prefetched_ms"] = bench._summary([r["ms"] for r in records if "ms" in r and not r["ready"]])
            out = page.evaluate(bench.JS_RUN_CELL, 2)
            result["records"] = records
            result["readback_errors"] = out["errs"]
            outputs = page.evaluate(
                "() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.outputs.toJSON()"
            )
            text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
            result["kernel"] = json.loads(text) if text.strip() else None
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
    finally:
        result["load_after"] = os.getloadavg()
        shutil.rmtree(root, ignore_errors=True)
    result["elapsed_s"] = time.perf_counter() - started
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    print(json.dumps({k: v for k, v in result.items() if k != "raf"}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
