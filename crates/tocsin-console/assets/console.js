// Tocsin console: the little the pages do in the browser. Everything works
// without it; it filters and exports the manifest table.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const table = document.getElementById(input.dataset.filter);
    input.addEventListener("input", () => {
      const needle = input.value.trim().toLowerCase();
      for (const row of table.tBodies[0].rows) {
        row.hidden = needle !== "" && !row.textContent.toLowerCase().includes(needle);
      }
    });
  }
  for (const button of document.querySelectorAll("button[data-export]")) {
    button.addEventListener("click", () => {
      const table = document.getElementById(button.dataset.export);
      const quote = (cell) => '"' + cell.textContent.trim().replace(/"/g, '""') + '"';
      const rows = [...table.rows].filter((r) => !r.hidden).map((r) => [...r.cells].map(quote).join(","));
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([rows.join("\r\n") + "\r\n"], { type: "text/csv" }));
      link.download = "screening.csv";
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }
});

// Live: the agency's hit events. The Hits link counts the new ones; the
// inbox redraws its table when one arrives.
document.addEventListener("DOMContentLoaded", () => {
  const badge = document.getElementById("hit-badge");
  if (!badge || typeof EventSource === "undefined") return;
  const live = new EventSource("/live");
  const redraw = async () => {
    const table = document.getElementById("hits-area");
    if (!table) return;
    const page = await fetch(location.href, { credentials: "same-origin" });
    const doc = new DOMParser().parseFromString(await page.text(), "text/html");
    const fresh = doc.getElementById("hits-area");
    if (fresh) table.replaceWith(fresh);
  };
  live.addEventListener("hit", () => {
    badge.textContent = String(Number(badge.textContent || "0") + 1);
    badge.hidden = false;
    redraw();
  });
  live.addEventListener("hit.status", redraw);
});

// The API reference's forms: each sends its operation with the token typed
// at the top of the page and shows the answer.
document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form.try")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const out = form.querySelector("pre.answer");
      let path = form.dataset.path;
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("input[data-in]")) {
        if (input.dataset.in === "path") path = path.replace(`{${input.name}}`, encodeURIComponent(input.value));
        else if (input.value !== "") query.set(input.name, input.value);
      }
      const headers = {};
      const token = document.getElementById("try-token")?.value;
      if (token) headers.Authorization = `Bearer ${token}`;
      const body = form.querySelector("textarea[name=body]");
      if (body) headers["Content-Type"] = body.dataset.type;
      const q = query.toString();
      try {
        const r = await fetch(path + (q ? `?${q}` : ""), { method: form.dataset.method, headers, body: body ? body.value : undefined });
        const text = await r.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON: as it came */ }
        out.textContent = `${r.status} ${r.statusText}\n${shown}`;
      } catch (e) {
        out.textContent = String(e);
      }
    });
  }
});

// A list import: the upload's progress, then the reading, then the report
// in place of the page's content (without this script the form posts as is).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("import-form");
  if (!form || typeof XMLHttpRequest === "undefined") return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const bar = document.getElementById("import-progress");
    const stage = document.getElementById("import-stage");
    bar.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (p) => {
      if (p.lengthComputable) { bar.max = p.total; bar.value = p.loaded; }
    });
    xhr.upload.addEventListener("load", () => {
      bar.removeAttribute("value");
      stage.textContent = stage.dataset.reading;
    });
    xhr.addEventListener("load", () => {
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const main = doc.querySelector("main");
      if (main) document.querySelector("main").replaceWith(main);
      document.getElementById("report")?.focus();
    });
    xhr.send(new FormData(form));
  });
});

// The access rule's agency picker: ticking writes the codes into the
// field, typing there ticks them.
document.addEventListener("DOMContentLoaded", () => {
  for (const picker of document.querySelectorAll("fieldset.picker[data-target]")) {
    const field = document.getElementById(picker.dataset.target);
    const boxes = [...picker.querySelectorAll("input[type=checkbox]")];
    const codes = () => field.value.split(",").map((c) => c.trim().toUpperCase()).filter((c) => c !== "");
    picker.addEventListener("change", () => {
      const typed = codes().filter((c) => !boxes.some((b) => b.value === c));
      field.value = [...typed, ...boxes.filter((b) => b.checked).map((b) => b.value)].join(", ");
    });
    field.addEventListener("input", () => {
      const now = codes();
      for (const b of boxes) b.checked = now.includes(b.value);
    });
  }
});
