// The web console in a real browser (Debian's Chromium, driven by
// playwright-core) against the real server on 127.0.0.1 with a real store:
// what an officer, an owner and an agency kept out of a record see.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const bin = process.env.TOCSIN_BIN ?? join(here, "..", "target", "debug", "tocsin");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = join(here, "artifacts");
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let server, base, browser, recordId, tokens = {};
const data = join(mkdtempSync(join(tmpdir(), "tocsin-console-")), "data");

function tocsin(...args) {
  return execFileSync(bin, ["--data", data, ...args], { encoding: "utf8" }).trim();
}

async function api(token, path, body) {
  const r = await fetch(base + path, {
    method: body ? "POST" : "GET",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  tocsin("init");
  for (const a of ["FRA", "DEU", "ITA"]) tocsin("agency", "add", a, "--name", `${a} bureau`);
  // Cleared for every level: these pages are about other things.
  const cleared = (...args) => tocsin("token", "create", ...args, "--clearance", "confidential");
  tokens.fraAdmin = cleared("--agency", "FRA", "--role", "admin");
  tokens.fraOfficer = cleared("--agency", "FRA", "--role", "officer");
  tokens.deu = cleared("--agency", "DEU", "--role", "officer");
  tokens.ita = cleared("--agency", "ITA", "--role", "officer");
  tokens.auditor = cleared("--agency", "GS", "--role", "auditor");
  tokens.reviewer = cleared("--agency", "GS", "--role", "reviewer");
  tokens.deuAdmin = cleared("--agency", "DEU", "--role", "admin");
  tokens.fraExaminer = cleared("--agency", "FRA", "--role", "examiner");
  const serve = ["--data", data, "serve", "--listen", "127.0.0.1:0", "--face-model", "console-face@1:4:0.80:0.60"];
  server = spawn(bin, serve, { stdio: ["ignore", "pipe", "ignore"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (\S+)/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  const created = await api(tokens.fraAdmin, "/v1/records", {
    kind: "person",
    names: [{ full: "Ivan Petrovich SIDOROV", type: "primary" }, { full: "Иван Петрович Сидоров", type: "original_script" }],
    birth_dates: ["1970-05-01"], nationalities: ["RUS"], sex: "male",
    handling: { code: "arrest", instructions: "Detain and call the FRA bureau at once." },
    access: { mode: "except", countries: ["ITA"] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  recordId = created.body.id;
  browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function signIn(token) {
  // The pages' Content-Security-Policy allows no inline script; the test
  // lifts it only to inject axe-core (the header itself is checked below).
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(base + "/");
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(base + "/screen");
  assert.ok(!page.url().includes(token), "the token is never in a URL");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "tocsin_session");
  assert.ok(session && session.httpOnly && session.sameSite === "Strict", JSON.stringify(cookies));
  assert.ok(!cookies.some((c) => c.value.includes(token)), "the token is never in a cookie");
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage)), "{}", "nothing in local storage");
  return page;
}

async function noSeriousViolations(page, name) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run());
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help}`), [], `${name}: accessibility`);
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

test("an officer screens a name in another script and sees the match explained; the owner's open inbox shows the hit at once", async () => {
  // The owner's inbox is open before the screening: the hit arrives live.
  const owner = await signIn(tokens.fraOfficer);
  await owner.goto(base + "/hits?role=owner");
  await owner.locator("p.none").waitFor();

  const officer = await signIn(tokens.deu);
  await noSeriousViolations(officer, "screen-empty-en");
  await officer.getByLabel("Name (any script)").fill("Иван Сидоров");
  await officer.getByLabel("Birth date (YYYY, YYYY-MM or YYYY-MM-DD)").fill("1970");
  await officer.getByLabel("Location (e.g. CDG T2)").fill("CDG T2");
  await officer.getByRole("button", { name: "Screen", exact: true }).click();
  const match = officer.locator("article.match").first();
  await match.waitFor();
  const screened = Date.now();
  assert.match(await match.textContent(), /SIDOROV/);
  assert.match(await match.locator(".handling").textContent(), /arrest: Detain and call the FRA bureau at once\./);
  assert.match(await match.locator("details.why").textContent(), /name/);
  const hit = (await match.locator(".badge.hit code").textContent()).trim();
  await noSeriousViolations(officer, "screen-results-en");

  const row = owner.locator(`tr[data-hit="${hit}"]`);
  await row.waitFor({ timeout: 5000 });
  const shownAfter = Date.now() - screened;
  assert.ok(shownAfter < 2000, `the hit showed ${shownAfter} ms after the answer`);
  assert.equal((await owner.locator("#hit-badge").textContent()).trim(), "1");
  assert.match(await row.textContent(), /new/);
  assert.match(await row.textContent(), /CDG T2/);
  await noSeriousViolations(owner, "hits-en");
  await row.getByRole("button", { name: "acknowledged" }).click();
  await owner.waitForURL(base + "/hits");
  assert.match(await owner.locator(`tr[data-hit="${hit}"]`).textContent(), /acknowledged/);

  // The owner writes to the searcher on the hit; the searcher reads it.
  await owner.goto(base + `/hits/${hit}`);
  await owner.getByLabel("Message to the other agency").fill("Subject known to us: hold and call +33 1 00 00 00 00.");
  await owner.getByRole("button", { name: "Send" }).click();
  await owner.waitForURL(base + `/hits/${hit}`);
  await noSeriousViolations(owner, "hit-en");
  await officer.goto(base + `/hits/${hit}`);
  assert.match(await officer.locator("#messages").textContent(), /FRA · fra-officer.*Subject known to us: hold and call/s);
  assert.match(await officer.locator("#hit-status").textContent(), /acknowledged/);
});

test("a record hidden from an agency shows nowhere in its console", async () => {
  const page = await signIn(tokens.ita);
  await page.getByLabel("Name (any script)").fill("Ivan Sidorov");
  await page.getByRole("button", { name: "Screen", exact: true }).click();
  await page.locator("#results").waitFor();
  assert.match(await page.locator("#results").textContent(), /No match\./);
  await page.goto(base + "/hits");
  assert.doesNotMatch(await page.locator("main").textContent(), /SIDOROV|FRA/);
});

test("bad input shows the field's error and screens nothing", async () => {
  const page = await signIn(tokens.deu);
  await page.getByLabel("Name (any script)").fill("Ivan Sidorov");
  await page.getByLabel("Birth date (YYYY, YYYY-MM or YYYY-MM-DD)").fill("1970-02-30");
  await page.getByRole("button", { name: "Screen", exact: true }).click();
  const field = page.locator("#birth_date");
  await page.locator("#birth_date-error").waitFor();
  assert.equal(await field.getAttribute("aria-invalid"), "true");
  assert.match(await page.locator("#birth_date-error").textContent(), /birth_date/);
  assert.equal(await page.locator("#results").count(), 0);
});

test("the whole screening path works with the keyboard alone", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + "/login");
  // Tab from the top of the page to the token field, type, Enter.
  for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== "token"; i++) {
    await page.keyboard.press("Tab");
  }
  await page.keyboard.type(tokens.deu);
  await page.keyboard.press("Enter");
  await page.waitForURL(base + "/screen");
  for (let i = 0; i < 20 && (await page.evaluate(() => document.activeElement?.id)) !== "name"; i++) {
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), "name", "Tab reaches the name field");
  await page.keyboard.type("Ivan Sidorov");
  await page.keyboard.press("Enter");
  await page.locator("article.match").first().waitFor();
});

test("a manifest uploaded as CSV is screened, with its refs and a table that filters", async () => {
  const page = await signIn(tokens.deu);
  await page.goto(base + "/manifest");
  const csv = join(artifacts, "flight.csv");
  writeFileSync(csv, "ref,name,birth_date,nationality\nP001,SIDOROV Ivan,1970-05-01,RUS\nP002,Jane Doe,1985-01-01,GBR\n");
  await page.getByLabel(/Manifest file/).setInputFiles(csv);
  await page.getByRole("button", { name: "Screen the manifest" }).click();
  await page.locator("#travellers").waitFor();
  assert.match(await page.locator(".summary").textContent(), /2 travellers, 1 matched/);
  const rows = page.locator("#travellers tbody tr");
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).textContent(), /P001.*SIDOROV/s);
  await page.getByLabel("Filter").fill("P002");
  assert.equal(await page.locator("#travellers tbody tr:not([hidden])").count(), 1);
  await noSeriousViolations(page, "manifest-en");
});

test("an auditor filters the log and verifies the chain", async () => {
  const page = await signIn(tokens.auditor);
  await page.getByRole("link", { name: "Audit" }).click();
  await page.getByLabel("Action (or its start)").fill("record.create");
  await page.getByRole("button", { name: "Filter" }).click();
  const rows = page.locator("#audit tbody tr");
  assert.ok((await rows.count()) >= 1);
  for (const text of await rows.allTextContents()) assert.match(text, /record\.create/);
  await noSeriousViolations(page, "audit-en");
  await page.getByRole("button", { name: "Verify the chain" }).click();
  assert.match(await page.locator("#verdict").textContent(), /The chain holds: \d+ entries/);
});

test("every page speaks English, French, Spanish and Arabic (right to left), names as stored", async () => {
  const page = await signIn(tokens.deu);
  for (const [lang, screenWord, dir] of [["en", "Screen", "ltr"], ["fr", "Contrôler", "ltr"], ["es", "Consultar", "ltr"], ["ar", "تحقّق", "rtl"]]) {
    await page.goto(base + "/screen");
    await page.locator("#lang").selectOption(lang);
    await page.getByRole("button", { name: /Change|Changer|Cambiar|تغيير/ }).click();
    await page.waitForURL(base + "/screen");
    assert.equal(await page.locator("html").getAttribute("lang"), lang);
    assert.equal(await page.locator("html").getAttribute("dir"), dir);
    assert.equal((await page.locator("h1").textContent()).trim(), screenWord);
    await page.locator("#name").fill("Иван Сидоров");
    await page.locator("#screen-form button[type=submit]").click();
    await page.locator("article.match").first().waitFor();
    // The name as stored, in its own script, whatever the page's language.
    assert.match(await page.locator("details.why").first().textContent(), /Иван Петрович Сидоров/);
    await noSeriousViolations(page, `screen-results-${lang}`);
  }
  // Back to English for the tests that follow in other contexts.
  await page.goto(base + "/lang?lang=en&back=/screen");
});

test("the API reference at /docs lists every operation and tries one with a token", async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(base + "/docs");
  const openapi = await (await fetch(base + "/v1/openapi.json")).json();
  const operations = Object.values(openapi.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(await page.locator("article.op").count(), operations);
  await noSeriousViolations(page, "docs-en");
  await page.getByLabel("Token for the forms below (kept in this page only)").fill(tokens.deu);
  const screen = page.locator("#op-screen");
  await screen.locator("textarea").fill('{"name": "Ivan Sidorov"}');
  await screen.getByRole("button", { name: "Send" }).click();
  await screen.locator("pre.answer").filter({ hasText: "200" }).waitFor();
  assert.match(await screen.locator("pre.answer").textContent(), /"matches"/);
  assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie), "{}", "the token is kept nowhere");
});

test("a notice goes from its owner's request form to publication by a reviewer, with the reason", async () => {
  const owner = await signIn(tokens.fraAdmin);
  await owner.goto(base + "/notices/new?type=yellow");
  assert.equal(await owner.locator("#disappearance_date").count(), 1, "a yellow notice asks when and where");
  assert.equal(await owner.locator("#warrant_reference").count(), 0, "and not for a warrant");
  await owner.goto(base + "/notices/new?type=red");
  assert.equal(await owner.locator("#disappearance_date").count(), 0);
  await noSeriousViolations(owner, "notice-request-en");
  await owner.getByLabel("Record ids (comma separated)").fill(recordId);
  await owner.getByLabel("Summary of the facts").fill("Armed robbery in Lyon, 2023.");
  await owner.getByLabel("Offence").fill("armed robbery");
  await owner.getByLabel("Warrant: kind (arrest_warrant or judgment)").fill("arrest_warrant");
  await owner.getByLabel("Warrant: reference").fill("AW-2023-118");
  await owner.getByLabel("Warrant: issued by").fill("Tribunal judiciaire de Lyon");
  await owner.getByLabel("Warrant: issued on (YYYY-MM-DD)").fill("2023-04-02");
  await owner.getByRole("button", { name: "Save as a draft" }).click();
  // The legal basis is missing: named, nothing stored, what was typed kept.
  assert.match(await owner.locator("#notice-form .error").textContent(), /legal_basis/);
  assert.equal((await api(tokens.fraAdmin, "/v1/notices?status=draft")).body.items.length, 0);
  assert.equal(await owner.getByLabel("Offence").inputValue(), "armed robbery");
  await owner.getByLabel("Legal basis").fill("Code pénal, art. 311-8");
  await owner.getByRole("button", { name: "Save as a draft" }).click();
  await owner.waitForURL(/\/notices\?status=draft/);
  const drafts = (await api(tokens.fraAdmin, "/v1/notices?status=draft")).body.items;
  assert.equal(drafts.length, 1);
  const id = drafts[0].id;
  await owner.goto(base + "/notices?status=draft");
  await owner.locator(`#notice-${id} form.move`).filter({ hasText: "submitted" }).getByRole("button").click();
  await owner.waitForURL(base + "/notices");
  const reviewer = await signIn(tokens.reviewer);
  await reviewer.goto(base + "/notices");
  const notice = reviewer.locator(`#notice-${id}`);
  assert.match(await notice.locator("h2").textContent(), /red · submitted · FRA/);
  await noSeriousViolations(reviewer, "notices-en");
  // Publishing needs a reason: without one, refused and nothing moves.
  const publish = notice.locator("form.move").filter({ hasText: "published" });
  await publish.getByRole("button").click();
  assert.match(await reviewer.locator("p.error").textContent(), /reason/);
  assert.equal(await reviewer.getByRole("link", { name: "Back" }).getAttribute("href"), "/notices");
  await reviewer.goto(base + "/notices");
  await publish.getByLabel("Reason").fill("complies with the rules");
  await publish.getByRole("button").click();
  await reviewer.waitForURL(base + "/notices");
  const after = await api(tokens.fraAdmin, `/v1/notices/${id}`);
  assert.equal(after.body.status, "published");
  assert.equal(after.body.history.at(-1).reason, "complies with the rules");
  // The public extract's preview: the person and the charge, nothing else.
  await reviewer.goto(base + `/notices/${id}/public`);
  const extract = await reviewer.locator("table.extract").textContent();
  assert.match(extract, /SIDOROV/);
  assert.match(extract, /armed robbery/);
  assert.doesNotMatch(await reviewer.locator("main").textContent(), /AW-2023-118|Lyon, 2023/);
  await noSeriousViolations(reviewer, "notice-public-en");
});

test("an administrator creates, edits and archives a record; a refused field is named beside it and nothing is stored", async () => {
  const page = await signIn(tokens.fraAdmin);
  await page.getByRole("link", { name: "Records" }).click();
  await page.getByRole("link", { name: "New record" }).click();
  await page.getByLabel("Names (the first is the primary name; one a line)").fill("Karim BENALI\nكريم بن علي");
  await page.getByLabel("Birth dates (comma separated)").fill("1981-02-30");
  await page.getByLabel("Nationalities or countries (alpha-3, comma separated)").fill("DZA");
  await page.getByLabel("Handling").selectOption("discreet_check");
  await page.getByLabel("Who may see it").selectOption("except");
  // The picker writes the field.
  await page.getByRole("checkbox", { name: "ITA" }).check();
  assert.equal(await page.getByLabel("Those agencies (codes, comma separated)").inputValue(), "ITA");
  await page.getByRole("button", { name: "Save" }).click();
  await page.locator("#birth_dates-error").waitFor();
  assert.equal(await page.locator("#birth_dates").getAttribute("aria-invalid"), "true");
  const before = await api(tokens.fraAdmin, "/v1/records?limit=1000");
  assert.ok(!JSON.stringify(before.body).includes("BENALI"), "nothing stored");
  await noSeriousViolations(page, "record-error-en");

  await page.getByLabel("Birth dates (comma separated)").fill("1981-02-03");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}$/);
  const id = page.url().split("/").pop();
  const stored = await api(tokens.fraAdmin, `/v1/records/${id}`);
  assert.equal(stored.body.names[1].full, "كريم بن علي");
  assert.deepEqual(stored.body.access, { mode: "except", countries: ["ITA"] });
  // Italy, kept out, does not find it.
  const ita = await api(tokens.ita, "/v1/screen", { name: "Karim Benali" });
  assert.equal(ita.body.matches.length, 0);

  await page.getByLabel("Instructions to the officer").fill("Call the FRA bureau.");
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(base + `/records/${id}`);
  assert.equal((await api(tokens.fraAdmin, `/v1/records/${id}`)).body.version, 2);
  await page.getByRole("button", { name: "Archive" }).click();
  await page.waitForURL(base + "/records");
  assert.equal((await api(tokens.fraAdmin, `/v1/records/${id}`)).body.state, "archived");
});

test("an administrator extends a record due for review, with a justification", async () => {
  const soon = new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10);
  const due = await api(tokens.fraAdmin, "/v1/records", {
    kind: "person", names: [{ full: "Marc DUE" }], handling: { code: "inform" }, access: { mode: "all" }, review_by: soon,
  });
  assert.equal(due.status, 201, JSON.stringify(due.body));
  const page = await signIn(tokens.fraAdmin);
  await page.getByRole("link", { name: "Reviews due" }).click();
  const row = page.locator(`tr[data-id="${due.body.id}"]`);
  assert.match(await row.textContent(), new RegExp(soon));
  await noSeriousViolations(page, "reviews-en");
  await row.getByRole("button", { name: "Extend five years" }).click();
  assert.match(await page.locator("p.error").textContent(), /justification/);
  await page.goto(base + "/reviews");
  await row.getByLabel("Justification").fill("investigation still open");
  await row.getByRole("button", { name: "Extend five years" }).click();
  await page.waitForURL(base + "/reviews");
  const after = await api(tokens.fraAdmin, `/v1/records/${due.body.id}`);
  assert.ok(after.body.review_by > soon, after.body.review_by);
});

test("pages forbid scripts from elsewhere, framing and caching", async () => {
  const r = await fetch(base + "/login");
  assert.match(r.headers.get("content-security-policy"), /default-src 'none'; script-src 'self'/);
  assert.equal(r.headers.get("x-frame-options"), "DENY");
  assert.equal(r.headers.get("cache-control"), "no-store");
  // The assets are kept by the browser: their URL changes with their text.
  const css = (await r.text()).match(/href="(\/assets\/console\.css\?v=[0-9a-f]+)"/)[1];
  assert.match((await fetch(base + css)).headers.get("cache-control"), /immutable/);
});

test("a form sent without the session's CSRF secret changes nothing", async () => {
  const page = await signIn(tokens.deu);
  const status = await page.evaluate(async () => {
    const r = await fetch("/screen", { method: "POST", body: new URLSearchParams({ name: "Ivan Sidorov", csrf: "forged" }) });
    return r.status;
  });
  assert.equal(status, 403);
});

test("the dashboard counts the agency's searches and the hits it may see, drawn as charts", async () => {
  // FRA owns the record: DEU's hit and ITA's silent hit both count for it.
  const owner = await signIn(tokens.fraOfficer);
  await owner.getByRole("link", { name: "Dashboard" }).click();
  assert.ok(Number(await owner.locator("#total-hits").textContent()) >= 2);
  const countries = await owner.locator("#by-country table").textContent();
  assert.match(countries, /DEU/);
  assert.match(countries, /ITA/);
  assert.ok((await owner.locator("svg.chart[role=img]").count()) >= 4, "drawn as charts");
  await noSeriousViolations(owner, "dashboard-en");
  // ITA searched, and its hit was silent: its searches count, no hit does.
  const ita = await signIn(tokens.ita);
  await ita.goto(base + "/dashboard");
  assert.ok(Number(await ita.locator("#total-searches").textContent()) >= 1);
  assert.equal((await ita.locator("#total-hits").textContent()).trim(), "0");
  assert.doesNotMatch(await ita.locator("main").textContent(), /FRA/);
  await ita.locator("#step").selectOption("day");
  await ita.getByRole("button", { name: "Show" }).click();
  assert.equal(await ita.locator("#searches table tr").count(), 30, "a bar a day for 30 days");
});

test("an administrator imports a list and reads the diff report; a file that cannot be read changes nothing", async () => {
  const page = await signIn(tokens.fraAdmin);
  await page.getByRole("link", { name: "Imports" }).click();
  const entity = (id, name) => JSON.stringify({ id, schema: "Person", properties: { name: [name] } });
  const upload = async (name, text) => {
    const file = join(artifacts, name);
    writeFileSync(file, text);
    await page.getByLabel("List", { exact: true }).selectOption("ftm");
    await page.getByLabel("List file").setInputFiles(file);
    await page.getByRole("button", { name: "Import" }).click();
  };
  await upload("list-1.jsonl", [entity("ftm-1", "Olga PETROVA"), entity("ftm-2", "Viktor ORLOV")].join("\n") + "\n");
  await page.locator("#report").waitFor();
  assert.match(await page.locator("#counts").textContent(), /Added\s*2/);
  await noSeriousViolations(page, "imports-en");
  await upload("list-2.jsonl", entity("ftm-1", "Olga Ivanovna PETROVA") + "\n");
  await page.locator("#report").waitFor();
  const counts = await page.locator("#counts").textContent();
  assert.match(counts, /Updated\s*1/);
  assert.match(counts, /De-listed \(archived\)\s*1/);
  const before = (await api(tokens.fraAdmin, "/v1/records?limit=1000")).body.items.length;
  await upload("list-3.jsonl", "{ this is not json\n");
  await page.locator("#import-error").waitFor();
  assert.match(await page.locator("#import-error").textContent(), /nothing was imported/);
  assert.equal((await api(tokens.fraAdmin, "/v1/records?limit=1000")).body.items.length, before);
});

test("an administrator issues a token, sees its secret once, and revokes it: the token signs in no more", async () => {
  const page = await signIn(tokens.fraAdmin);
  await page.getByRole("link", { name: "Tokens" }).click();
  await page.getByLabel("User").fill("night-desk");
  await page.getByLabel("Role").selectOption("officer");
  await page.getByLabel(/Lifetime/).fill("1d");
  await page.getByRole("button", { name: "Issue" }).click();
  const secret = (await page.locator("#secret").textContent()).trim();
  assert.match(secret, /^tcs_[0-9a-f]{64}$/);
  await noSeriousViolations(page, "tokens-en");
  const officer = await signIn(secret);
  await page.goto(base + "/tokens");
  assert.ok(!(await page.content()).includes(secret), "shown once");
  const row = page.locator("tr", { hasText: "night-desk" });
  assert.match(await row.textContent(), /active/);
  await row.getByRole("button", { name: /Revoke/ }).click();
  await page.waitForURL(base + "/tokens");
  assert.match(await page.locator("tr", { hasText: "night-desk" }).textContent(), /revoked/);
  // The officer's open session ends with its token.
  await officer.goto(base + "/hits");
  await officer.waitForURL(/\/login/);
  assert.equal((await api(secret, "/v1/hits")).status, 401);
});

test("the intelligence page lists collections, checks defanged values within the TLP, and shows the owner every sighting, silent ones marked", async () => {
  const collection = await api(tokens.fraAdmin, "/v1/intel/collections", { root: "cyber", title: "Ransomware cases", alias: "ransomware" });
  assert.equal(collection.status, 201, JSON.stringify(collection.body));
  const t = "2026-03-01T10:00:00.000Z";
  const green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
  const red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
  const indicator = (n, value, marking) => ({
    type: "indicator", spec_version: "2.1", id: `indicator--0b2c3d4e-5f6a-4b7c-8d9e-00000000000${n}`,
    created: t, modified: t, name: `LockBit C2 ${n}`, pattern: `[ipv4-addr:value = '${value}']`,
    pattern_type: "stix", valid_from: t, object_marking_refs: [marking],
  });
  const taxii = "application/taxii+json;version=2.1";
  const posted = await fetch(`${base}/taxii2/cyber/collections/ransomware/objects/`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tokens.fraAdmin}`, "Content-Type": taxii, Accept: taxii },
    body: JSON.stringify({ objects: [indicator(1, "203.0.113.10", green), indicator(2, "203.0.113.20", red)] }),
  });
  assert.equal(posted.status, 202);

  const officer = await signIn(tokens.deu);
  await officer.goto(base + "/intel");
  assert.match(await officer.locator("#intel-collections").textContent(), /Ransomware cases.*ransomware.*FRA.*read/s);
  await officer.getByLabel(/Values, one per line/).fill("203.0.113[.]10\n203.0.113.20\nnot a value");
  await officer.getByRole("button", { name: "Check", exact: true }).click();
  await officer.locator("#check-summary").waitFor();
  assert.match(await officer.locator("#check-summary").textContent(), /3 values checked, 1 matched/);
  const shown = await officer.locator("main").textContent();
  assert.match(shown, /LockBit C2 1/);
  assert.match(shown, /Not an observable/);
  assert.doesNotMatch(shown, /LockBit C2 2|000000000002/, "the RED indicator shows nowhere");
  await noSeriousViolations(officer, "intel-check-en");

  const owner = await signIn(tokens.fraAdmin);
  await owner.goto(base + "/intel");
  const rows = owner.locator("#intel-sightings tbody tr");
  assert.equal(await rows.count(), 2);
  const seen = await owner.locator("#intel-sightings").textContent();
  assert.match(seen, /203\.0\.113\.20.*000000000002.*DEU.*silent/s);
  assert.match(seen, /203\.0\.113\.10.*000000000001.*DEU/s);
  assert.equal(await owner.locator("#intel-sightings .badge.silent").count(), 1);
});

test("an examiner searches a face, reads the candidate list and confirms the candidate into a hit", async () => {
  const face = (vector) => ({ model: "console-face", version: "1", vector });
  const person = await api(tokens.deuAdmin, "/v1/records", {
    kind: "person", names: [{ full: "Hanna Gesicht", type: "primary" }],
    handling: { code: "inform" }, access: { mode: "all" },
  });
  assert.equal(person.status, 201, JSON.stringify(person.body));
  const enrolled = await api(tokens.deuAdmin, "/v1/biometrics", { subject: person.body.id, face: face([0.1, 1, 0, 0]) });
  assert.equal(enrolled.status, 201, JSON.stringify(enrolled.body));

  const examiner = await signIn(tokens.fraExaminer);
  await examiner.goto(base + "/biometrics");
  await examiner.getByLabel(/Template \(JSON/).fill(JSON.stringify({ face: face([0.12, 0.97, 0.05, 0]) }));
  await examiner.getByLabel("Purpose (e.g. border_check)").fill("border check");
  await examiner.getByRole("button", { name: "Search", exact: true }).click();
  await examiner.locator("#bio-decision").waitFor();
  assert.match(await examiner.locator("#bio-decision").textContent(), /Decision: candidate/);
  const row = await examiner.locator("#bio-results tbody tr").first().textContent();
  assert.ok(row.includes(enrolled.body.id) && row.includes("DEU") && row.includes(person.body.id), row);
  await noSeriousViolations(examiner, "biometrics-search-en");
  await examiner.locator("#bio-results").getByRole("button", { name: "Confirm" }).first().click();
  await examiner.locator("#decided").waitFor();
  assert.match(await examiner.locator("#decided").textContent(), /confirmed · the hit/);
  const hit = await examiner.locator("#decided a").getAttribute("href");
  const hits = await api(tokens.fraOfficer, "/v1/hits");
  assert.ok(hits.body.items.some((h) => `/hits/${h.id}` === hit && h.record_id === enrolled.body.id), JSON.stringify(hits.body));
  assert.match(await examiner.locator("#bio-candidates").textContent(), /confirmed/);
});

test("an analyst reads the single points of failure and simulates a loss across a border", async () => {
  const register = async (token, body) => {
    const r = await api(token, "/v1/infra/assets", { access: { mode: "all" }, ...body });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  const plant = await register(tokens.fraAdmin, { name: "Centrale Est", sector: "energy", country: "FRA", supplies: ["electricity"] });
  const sub = await register(tokens.fraAdmin, { name: "Poste Frontière", sector: "energy", country: "FRA" });
  const hospital = await register(tokens.deuAdmin, { name: "Klinik Grenz", sector: "health", country: "DEU", serves: 40000 });
  for (const [token, provider, dependent, extra] of [
    [tokens.fraAdmin, plant, sub, {}],
    [tokens.deuAdmin, sub, hospital, { buffer_hours: 24 }],
  ]) {
    const r = await api(token, "/v1/infra/dependencies", { provider, dependent, commodity: "electricity", ...extra });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }

  const analyst = await signIn(tokens.deuAdmin);
  await analyst.goto(base + "/infrastructure");
  const first = await analyst.locator("#spofs tbody tr").first().textContent();
  assert.ok(first.includes("Centrale Est") && first.includes("40000"), first);
  await noSeriousViolations(analyst, "infrastructure-en");
  await analyst.getByLabel("Assets lost (ids, one per line)").fill(plant);
  await analyst.getByRole("button", { name: "Simulate" }).click();
  await analyst.locator("#cascade-timeline").waitFor();
  const timeline = await analyst.locator("#cascade-timeline tbody").textContent();
  assert.match(timeline, /Centrale Est.*removed.*Poste Frontière.*dependency.*Klinik Grenz.*dependency/s);
  assert.match(await analyst.locator("#cascade-border").textContent(), /Klinik Grenz.*\(24 h\)/s);
  assert.match(await analyst.locator("#cascade-summary").textContent(), /1 removed · 2 failed after them · 40000 people/);
});

test("an agency reads its messages and diffusions in the console, opens one in the browser with its key file, acknowledges one, and sees the General Secretariat's non-compliance flag", async () => {
  // Keys made and published with the CLI; FRA seals a restricted message
  // and an information diffusion to DEU (the General Secretariat gets the
  // diffusion too).
  const keys = mkdtempSync(join(tmpdir(), "tocsin-keys-"));
  const gsAdmin = tocsin("token", "create", "--agency", "GS", "--role", "admin", "--clearance", "confidential");
  const cli = (token, ...args) =>
    execFileSync(bin, args, { encoding: "utf8", env: { ...process.env, TOCSIN_SERVER: base, TOCSIN_TOKEN: token } }).trim();
  for (const [code, admin] of [["FRA", tokens.fraAdmin], ["DEU", tokens.deuAdmin], ["GS", gsAdmin]]) {
    const key = join(keys, `${code}.key`);
    cli("", "key", "generate", "--agency", code, "--out", key);
    cli(admin, "key", "publish", "--key", key);
  }
  const fraKey = join(keys, "FRA.key");
  const message = JSON.parse(cli(tokens.fraOfficer, "message", "send", "--key", fraKey, "--to", "DEU",
    "--subject", "Night ferry to Bari", "--body", "Subject K. boards tonight.", "--level", "restricted", "--json"));
  const diffusion = JSON.parse(cli(tokens.fraOfficer, "diffusion", "send", "--kind", "information", "--purpose", "locate associates",
    "--key", fraKey, "--to", "DEU", "--subject", "Associates of K.", "--body", "Known associates, last seen in Lyon.", "--json"));

  // DEU sees both, newest first, each with its level.
  const deu = await signIn(tokens.deu);
  await deu.getByRole("link", { name: "Messages" }).click();
  await deu.waitForURL(base + "/messages");
  const row = (page, id) => page.locator(`tr[data-message="${id}"]`);
  assert.match(await row(deu, message.id).textContent(), /FRA.*fra-officer.*DEU.*message.*restricted/s);
  assert.match(await row(deu, diffusion.id).textContent(), /diffusion · information/);
  assert.equal((await row(deu, message.id).locator(".badge.level").textContent()).trim(), "restricted");
  assert.equal((await row(deu, diffusion.id).locator(".badge.level").textContent()).trim(), "official use only");
  assert.match(await row(deu, message.id).textContent(), /not delivered yet/);
  assert.equal(await deu.locator("#messages .badge.noncompliant").count(), 0);
  assert.equal(await deu.locator("#messages tbody tr").first().getAttribute("data-message"), diffusion.id, "newest first");
  await noSeriousViolations(deu, "messages-en");
  // A DEU officer cleared for official use only is not shown the
  // restricted message at all: only the diffusion.
  const deuLow = await signIn(tocsin("token", "create", "--agency", "DEU", "--role", "officer"));
  await deuLow.goto(base + "/messages");
  assert.equal(await row(deuLow, message.id).count(), 0);
  assert.equal(await row(deuLow, diffusion.id).count(), 1);
  const hidden = await deuLow.goto(base + `/messages/${message.id}`);
  assert.equal(hidden.status(), 404);

  // The message: its routing data and how to open it, never the ciphertext
  // (the page fetches the envelope to open it there, below).
  await row(deu, message.id).getByRole("link").click();
  await deu.waitForURL(base + `/messages/${message.id}`);
  assert.equal((await deu.locator("#read-command").textContent()).trim(), `tocsin message read ${message.id} --key YOUR.key`);
  assert.match(await deu.locator("#sealed").textContent(), /end-to-end encrypted/);
  assert.equal((await deu.locator("#routing .badge.level").textContent()).trim(), "restricted");
  const envelope = (await api(tokens.fraOfficer, `/v1/messages/${message.id}`)).body.envelope;
  const html = await deu.content();
  assert.ok(!html.includes(envelope.ciphertext.slice(0, 32)) && !html.includes(envelope.signature.slice(0, 32)), "no ciphertext shown");
  assert.ok(html.includes(envelope.header.sender_key), "the signing key's fingerprint is");
  assert.match(await deu.locator('#receipts tr[data-agency="DEU"]').textContent(), /UTC/, "opening it was the delivery receipt");
  await noSeriousViolations(deu, "message-en");

  // DEU opens it in the page with its key file: the content shows, the
  // read receipt is sent, and no request carries anything of the key.
  const deuKey = readFileSync(join(keys, "DEU.key"), "utf8");
  const secrets = JSON.parse(deuKey).keys.flatMap((k) => [k.encryption, k.signing]);
  const sent = [];
  deu.on("request", (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ""}`));
  // The page reads files and opens envelopes asynchronously: wait for what
  // its status line says. A regular expression, which is case-sensitive: a
  // string matches case-insensitively, and "Opened" would match the "Not
  // opened" still shown from the try before.
  const says = async (text) => {
    await deu.locator("#open-status", { hasText: text }).waitFor({ timeout: 10_000 });
    return deu.locator("#open-status").textContent();
  };
  assert.equal(await deu.getByRole("button", { name: "Open", exact: true }).isDisabled(), true, "no key, nothing to open with");
  // Another agency's key file is refused before anything is opened.
  await deu.getByLabel("Key file").setInputFiles(fraKey);
  assert.match(await says(/Not opened/), /Not opened: This key file is FRA's, not your agency's \(DEU\)\./);
  assert.equal(await deu.getByRole("button", { name: "Open", exact: true }).isDisabled(), true);
  await deu.getByLabel("Key file").setInputFiles(join(keys, "DEU.key"));
  assert.match(await says(/Key file of DEU loaded/), /Key file of DEU loaded: it stays in this page and is never sent\./);
  // A changed envelope (a character of its ciphertext's body, on the way)
  // is refused.
  await deu.route(`**/messages/${message.id}/sealed`, async (route) => {
    const sealed = await (await route.fetch()).json();
    const c = sealed.envelope.ciphertext;
    const at = c.length - 8;
    sealed.envelope.ciphertext = c.slice(0, at) + (c[at] === "A" ? "B" : "A") + c.slice(at + 1);
    await route.fulfill({ json: sealed });
  });
  await deu.getByRole("button", { name: "Open", exact: true }).click();
  assert.match(await says(/Not opened/), /Not opened: signature: does not verify with FRA's key/);
  assert.equal(await deu.locator("#opened").isHidden(), true);
  await deu.unroute(`**/messages/${message.id}/sealed`);
  await deu.getByRole("button", { name: "Open", exact: true }).click();
  assert.match(await says(/Opened in this page/), /Opened in this page/);
  assert.equal(await deu.locator("#opened-subject").textContent(), "Night ferry to Bari");
  assert.equal(await deu.locator("#opened-body").textContent(), "Subject K. boards tonight.");
  await noSeriousViolations(deu, "message-opened-en");
  const readAt = async () => (await api(tokens.fraOfficer, `/v1/messages/${message.id}`)).body.recipients[0].read_at;
  for (let i = 0; i < 50 && !(await readAt()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await readAt(), "the page sent the read receipt");
  assert.ok(sent.some((r) => r.includes(`/messages/${message.id}/read`)), "the receipt went");
  for (const secret of secrets) {
    assert.ok(!sent.some((r) => r.includes(secret)), "no request carries the key");
  }
  // Forget: the content and the key are gone from the page.
  await deu.getByRole("button", { name: "Forget the key" }).click();
  assert.equal(await deu.locator("#opened").isHidden(), true);
  assert.equal(await deu.locator("#opened-body").textContent(), "");
  assert.equal(await deu.getByRole("button", { name: "Open", exact: true }).isDisabled(), true);
  assert.ok(!(await deu.content()).includes("boards tonight"));
  await deu.getByRole("button", { name: "Acknowledge" }).click();
  await deu.waitForURL(base + `/messages/${message.id}`);
  assert.match(await deu.locator("#acknowledged").textContent(), /Your agency acknowledged it/);
  assert.equal(await deu.getByRole("button", { name: "Acknowledge" }).count(), 0);

  // The sender sees it delivered and acknowledged.
  const fra = await signIn(tokens.fraOfficer);
  await fra.goto(base + "/messages?box=out");
  assert.match(await row(fra, message.id).textContent(), /delivered to 1 of 1 · read by 1 of 1 · acknowledged by 1 of 1/);
  assert.match(await row(fra, diffusion.id).textContent(), /acknowledged by 0 of 2/);

  // The reviewer: a review without a reason is refused and changes nothing;
  // with one, the diffusion is non-compliant.
  const gs = await signIn(tokens.reviewer);
  await gs.goto(base + "/messages");
  await gs.locator("#box").selectOption("review");
  await gs.getByRole("button", { name: "Show" }).click();
  await gs.waitForURL(base + "/messages?box=review");
  await row(gs, diffusion.id).getByRole("link").click();
  await gs.waitForURL(base + `/messages/${diffusion.id}`);
  assert.match(await gs.locator("#review").textContent(), /Not reviewed yet\./);
  await gs.getByLabel("non-compliant", { exact: true }).check();
  await gs.getByLabel("Reason (recipients read it)").fill("   ");
  await gs.getByRole("button", { name: "Record the review" }).click();
  assert.match(await gs.locator("p.error").textContent(), /reason/);
  assert.equal((await api(tokens.fraOfficer, `/v1/messages/${diffusion.id}`)).body.review, undefined, "nothing changed");
  await gs.getByRole("link", { name: "Back", exact: true }).click();
  await gs.waitForURL(base + `/messages/${diffusion.id}`);
  await gs.getByLabel("non-compliant", { exact: true }).check();
  await gs.getByLabel("Reason (recipients read it)").fill("Predominantly political offence (Article 3)");
  await gs.getByRole("button", { name: "Record the review" }).click();
  await gs.waitForURL(base + `/messages/${diffusion.id}`);
  assert.equal((await gs.locator("#verdict").textContent()).trim(), "non-compliant");
  assert.match(await gs.locator("#noncompliant").textContent(), /do not rely on it.*Article 3/s);
  await noSeriousViolations(gs, "diffusion-reviewed-en");

  // DEU's list now flags it; the message is not flagged.
  await deu.goto(base + "/messages");
  assert.match(await row(deu, diffusion.id).locator(".badge.noncompliant").textContent(), /non-compliant — do not rely on it/);
  assert.equal(await row(deu, message.id).locator(".badge.noncompliant").count(), 0);

  // Roles that do not read messages get the refusal.
  const auditor = await signIn(tokens.auditor);
  assert.equal(await auditor.getByRole("link", { name: "Messages" }).count(), 0);
  assert.equal((await auditor.goto(base + "/messages")).status(), 403);
  assert.equal((await auditor.goto(base + `/messages/${message.id}`)).status(), 403);
});

test("every page, in English, French, Spanish and Arabic, passes the accessibility check (screenshots kept)", async () => {
  const pages = {
    fraAdmin: ["/screen", "/manifest", "/hits", "/notices", "/notices/new?type=red", "/dashboard", "/intel", "/records", "/records/new",
      `/records/${recordId}`, "/reviews", "/imports", "/tokens", "/audit", "/docs", "/infrastructure", "/messages"],
    reviewer: ["/notices", "/messages?box=review"],
    auditor: ["/audit"],
    fraExaminer: ["/biometrics"],
  };
  for (const [who, paths] of Object.entries(pages)) {
    const page = await signIn(tokens[who]);
    for (const lang of ["en", "fr", "es", "ar"]) {
      await page.context().addCookies([{ name: "tocsin_lang", value: lang, url: base }]);
      for (const path of paths) {
        const response = await page.goto(base + path);
        assert.equal(response.status(), 200, `${who} ${path}`);
        assert.equal(await page.locator("html").getAttribute("lang"), lang);
        const name = path.slice(1).replace(/[^a-z]+/g, "-").replace(/-$/, "").replace(/[0-9a-f]{8}-.*/, "one") || "home";
        await noSeriousViolations(page, `${who}-${name}-${lang}`);
      }
    }
  }
});
