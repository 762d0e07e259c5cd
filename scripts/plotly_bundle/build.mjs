// The partial plotly.js that the Dashboard's view (labelwidgets/widgets/dashboard.py) draws with: plotly.js's own
// core (which holds the scatter trace) with the bar and heatmap traces, the only trace types the view's figures
// use, as one minified ES module whose default export is Plotly. It leaves window.Plotly alone. It is shipped
// gzipped (0.4 MB instead of 1.2 MB, in the wheel and on the wire to the page: Jupyter's websockets are not
// compressed); the page inflates it with DecompressionStream.
//
//     cd scripts/plotly_bundle && npm ci && node build.mjs     # or: node build.mjs <output folder>
//
// To update: set "plotly.js" in package.json to plotly.js's version in the Python plotly the package is tested
// with (python -c "import plotly.offline as o; print(o.get_plotlyjs_version())"), `npm install`, run this, then
// set PLOTLY_JS_VERSION in dashboard.py; tests/test_dashboard_plotly_js.py checks the two agree and that the bundle
// registers every trace type the view's figures use. The build options are plotly.js's own (esbuild-config.js:
// target es2016, `global` as window) but for the module format, the trace list and the CSS: its only CSS import,
// maplibre-gl's, is for map traces, which are left out.
//
// Why not the official plotly.js-cartesian-dist-min (1.5 MB)? Evaluating it took 0.79 s in Chromium on the
// shared 2-core test machine, against 0.24 s for this build (1.18 MB) of the same plotly.js version (medians of 8),
// and that evaluation is on the way to the first Dashboard's charts; plotly.js-basic-dist-min has no heatmap (the
// confusion panel).
import * as esbuild from "esbuild";
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {gzipSync} from "node:zlib";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, "..", "..", "labelwidgets", "widgets", "plotly_js"));
const TRACES = ["bar", "heatmap"]; // and scatter, which plotly.js/lib/core registers itself
const NAME = "scatter-bar-heatmap";

const plotly = JSON.parse(readFileSync(join(here, "node_modules", "plotly.js", "package.json"), "utf8"));
const file = `plotly-${NAME}-${plotly.version}.min.mjs.gz`;
const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  `Plotly.register([${TRACES.map((name) => `require('plotly.js/lib/${name}')`).join(", ")}]);`,
  "module.exports = Plotly;",
].join("\n");

const result = await esbuild.build({
  stdin: {contents: entry, resolveDir: here, sourcefile: "entry.js"},
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2016",
  define: {global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false"},
  alias: {regl: "@plotly/regl", stream: "stream-browserify"},
  loader: {".css": "empty"},
  legalComments: "eof",
  banner: {js: `/*! plotly.js v${plotly.version} (${TRACES.length + 1} traces: scatter, ${TRACES.join(", ")}), built for `
                + `labelwidgets by scripts/plotly_bundle/build.mjs | MIT License, Copyright (c) Plotly Technologies `
                + `Inc. (LICENSE beside this file); the bundled packages: bundled-packages.md */`},
  metafile: true,
  write: false,
  logLevel: "warning",
});

mkdirSync(out, {recursive: true});
const source = result.outputFiles[0].contents;
const packed = gzipSync(source, {level: 9});  // no name, no time in the header: the same bytes on every build
writeFileSync(join(out, file), packed);
copyFileSync(join(here, "node_modules", "plotly.js", "LICENSE"), join(out, "LICENSE"));

// the packages whose code is in the bundle (bytes in the output), with their version and licence
const packages = new Map();
const [output] = Object.values(result.metafile.outputs);
for (const [input, {bytesInOutput}] of Object.entries(output.inputs)) {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0 || !bytesInOutput || input.endsWith(".css")) continue; // maplibre-gl.css: an empty module
  const [scope, name] = input.slice(at + "node_modules/".length).split("/");
  const root = input.slice(0, at) + "node_modules/" + (scope.startsWith("@") ? `${scope}/${name}` : scope);
  const meta = JSON.parse(readFileSync(join(here, root, "package.json"), "utf8"));
  packages.set(`${meta.name}@${meta.version}`, meta.license || "see its package");
}
const lines = [...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, license]) => `| ${name} | ${license} |`);
writeFileSync(join(out, "bundled-packages.md"), ["| package | licence |", "|---|---|", ...lines, ""].join("\n"));
console.log(`${join(out, file)}: ${packed.length.toLocaleString("en")} bytes (${source.length.toLocaleString("en")} `
            + `inflated), ${packages.size} packages`);
