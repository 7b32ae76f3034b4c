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

// A message: opened in this page with the agency's key file, by the
// console's envelope reader (WebAssembly, built from the same Rust as the
// CLI's). The key file is read into this page's memory, handed to the
// reader for each call and never sent anywhere; the reader's buffers are
// wiped after each call, and Forget (or leaving the page) drops the page's
// copy. What goes to the server: the envelope's fetch and the read receipt.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("open-message");
  if (!box) return;
  const $ = (id) => document.getElementById(id);
  const [input, openButton, forgetButton, status, opened] =
    ["key-file", "open-button", "forget-button", "open-status", "opened"].map($);
  const SLOT = { envelope: 0, sender: 1, key: 2 };
  let key = null; // the key file's bytes
  let reader = null; // the module's exports

  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? "");
  const say = (text, error) => {
    status.textContent = text;
    status.classList.toggle("error", Boolean(error));
  };
  const load = async () => {
    if (!reader) {
      const { instance } = await WebAssembly.instantiateStreaming(fetch(box.dataset.module), {});
      reader = instance.exports;
    }
    return reader;
  };
  // Writes each input into the reader's buffers, calls `fn`, reads its JSON
  // answer, then wipes the reader's buffers.
  const call = (r, inputs, fn) => {
    try {
      for (const [slot, bytes] of inputs) {
        const at = r.tocsin_input(slot, bytes.length);
        new Uint8Array(r.memory.buffer, at, bytes.length).set(bytes);
      }
      const length = r[fn]();
      const answer = new Uint8Array(r.memory.buffer, r.tocsin_output(), length);
      return JSON.parse(new TextDecoder().decode(answer));
    } finally {
      r.tocsin_forget();
    }
  };
  const forget = () => {
    if (key) key.fill(0);
    key = null;
    openButton.disabled = true;
    forgetButton.hidden = true;
    opened.hidden = true;
    for (const id of ["opened-subject", "opened-caveats", "opened-diffusion", "opened-body", "opened-attachments"]) {
      $(id).replaceChildren();
    }
  };

  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.value = "";
    forget();
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    try {
      const read = call(await load(), [[SLOT.key, bytes]], "tocsin_check_key");
      if (read.error) throw new Error(read.error);
      if (read.agency !== box.dataset.agency) {
        throw new Error(fill(box.dataset.otherAgency, { agency: read.agency, own: box.dataset.agency }));
      }
      key = bytes;
      openButton.disabled = false;
      forgetButton.hidden = false;
      say(fill(box.dataset.loaded, { agency: read.agency }));
    } catch (e) {
      bytes.fill(0);
      say(`${box.dataset.failed} ${e.message}`, true);
    }
  });

  openButton.addEventListener("click", async () => {
    if (!key) return;
    try {
      const answer = await fetch(`/messages/${box.dataset.id}/sealed`, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(await answer.text());
      const sealed = await answer.json();
      const text = new TextEncoder();
      const message = call(await load(), [
        [SLOT.envelope, text.encode(JSON.stringify(sealed.envelope))],
        [SLOT.sender, text.encode(JSON.stringify(sealed.sender))],
        [SLOT.key, key],
      ], "tocsin_open");
      if (message.error) throw new Error(message.error);
      if (message.id !== box.dataset.id) throw new Error(`the server answered with another message (${message.id})`);
      show(message.payload);
      say(box.dataset.opened);
      const receipt = new URLSearchParams({ csrf: box.dataset.csrf });
      await fetch(`/messages/${box.dataset.id}/read`, { method: "POST", credentials: "same-origin", body: receipt });
    } catch (e) {
      say(`${box.dataset.failed} ${e.message}`, true);
    }
  });

  forgetButton.addEventListener("click", () => {
    forget();
    say("");
  });

  const item = (parent, tag, text) => {
    const node = document.createElement(tag);
    node.textContent = text;
    node.dir = "auto";
    parent.append(node);
    return node;
  };
  const show = (payload) => {
    $("opened-subject").textContent = payload.subject;
    for (const caveat of payload.caveats) item($("opened-caveats"), "li", caveat);
    for (const [field, value] of Object.entries(payload.diffusion ?? {})) {
      if (field === "kind") continue;
      item($("opened-diffusion"), "dt", field.replace(/_/g, " "));
      item($("opened-diffusion"), "dd", value);
    }
    $("opened-body").textContent = payload.body;
    for (const a of payload.attachments) {
      const bytes = Uint8Array.from(atob(a.data), (c) => c.charCodeAt(0));
      const link = item(item($("opened-attachments"), "li", ""), "a", `${a.name} (${bytes.length} bytes, ${a.media_type})`);
      link.href = URL.createObjectURL(new Blob([bytes], { type: a.media_type }));
      link.download = a.name;
    }
    opened.hidden = false;
  };
});
