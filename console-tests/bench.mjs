// The console's speed as a person meets it, in Debian's Chromium: the first
// page's transfer size, and the time from submitting a screening to the
// result drawn. Not a test: run it by hand against a running server.
//
//   node bench.mjs http://127.0.0.1:8080 TOKEN ../../shared/data/eval/yente_negatives_global_synthetic.csv [200]
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [base, token, names, count = "200"] = process.argv.slice(2);
if (!base || !token || !names) {
  console.error("usage: node bench.mjs BASE_URL TOKEN NAMES.csv [COUNT]");
  process.exit(2);
}
// The CSV's first column is a name (`yente_negatives_global_synthetic.csv`).
const people = readFileSync(names, "utf8").split("\n").slice(1).map((l) => l.split(",")[0].replace(/^"|"$/g, "")).filter(Boolean);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const context = await browser.newContext();
const page = await context.newPage();

// The first page: the sign-in page and what it loads.
let bytes = 0;
const sizes = [];
page.on("response", async (r) => {
  const body = await r.body().catch(() => Buffer.alloc(0));
  const headers = await r.allHeaders();
  bytes += body.length + Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  sizes.push(`${new URL(r.url()).pathname} ${body.length} B${headers["content-encoding"] ? " " + headers["content-encoding"] : ""}`);
});
await page.goto(base + "/login", { waitUntil: "load" });
await page.waitForTimeout(200);
page.removeAllListeners("response");
console.log(`first page (sign-in): ${(bytes / 1024).toFixed(1)} KB transferred (${sizes.join(", ")})`);

await page.getByLabel("API token").fill(token);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(base + "/screen");
const times = [];
for (let i = 0; i < Number(count); i++) {
  await page.locator("#name").fill(people[i % people.length]);
  const start = performance.now();
  await page.locator("#screen-form button[type=submit]").click();
  await page.locator("#results").waitFor();
  await page.waitForLoadState("load");
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
console.log(`screenings: ${times.length}, submit to result drawn: median ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms`);
await browser.close();
