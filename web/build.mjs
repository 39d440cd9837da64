// Bundles src/ into ../functions/dashboard/static/ (what DashboardFunction serves:
// index.html at /, the rest under /static/): index.html, app-<hash>.js,
// styles-<hash>.css, favicon.svg. `make web` runs it; `make build` runs `make web`
// before `sam build`, which packages the folder with the function's code.
// Hashed names let DashboardFunction serve them as immutable while index.html is
// always revalidated, so a deploy never mixes an old page with new code.
// Prints each file's raw and gzip size (the page weight the README quotes).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { gzipSync } from "node:zlib";

const out = process.env.WEB_OUT ?? "../functions/dashboard/static";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: { app: "src/main.ts", styles: "src/styles.css" },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  entryNames: "[name]-[hash]",
  outdir: out,
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.startsWith("app-") && f.endsWith(".js"));
const css = outputs.find((f) => f.startsWith("styles-") && f.endsWith(".css"));
if (!js || !css) throw new Error(`build: missing output (got ${outputs.join(", ")})`);

const html = readFileSync("src/index.html", "utf8").replace("{{APP_JS}}", js).replace("{{APP_CSS}}", css);
writeFileSync(join(out, "index.html"), html);
copyFileSync("src/favicon.svg", join(out, "favicon.svg"));

let total = 0;
for (const name of ["index.html", js, css, "favicon.svg"]) {
  const body = readFileSync(join(out, name));
  const gz = gzipSync(body, { level: 9 }).length;
  total += gz;
  console.log(`${name.padEnd(28)} ${String(body.length).padStart(8)} B  ${String(gz).padStart(7)} B gzip`);
}
console.log(`${"page weight".padEnd(28)} ${"".padStart(8)}    ${String(total).padStart(7)} B gzip`);
