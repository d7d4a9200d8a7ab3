/* Frontline: small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  function typingInField(event) {
    const el = event.target;
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  /* Composer: reply vs internal note look different; Ctrl+Enter sends. */
  function setupComposer() {
    const composer = document.getElementById("composer");
    if (!composer) return;
    const update = () => {
      const note = composer.querySelector("input[name=kind][value=internal]");
      composer.classList.toggle("note-mode", !!(note && note.checked));
    };
    composer.addEventListener("change", update);
    update();
    composer.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
  }

  /* Lists: select all, j/k navigation, x to select, o/Enter to open. */
  let cursor = -1;
  function rows() { return Array.from(document.querySelectorAll("[data-list] [data-row]")); }
  function moveCursor(step) {
    const all = rows();
    if (!all.length) return;
    cursor = Math.max(0, Math.min(all.length - 1, cursor + step));
    all.forEach((row, i) => row.classList.toggle("selected", i === cursor));
    const link = all[cursor].querySelector("[data-open]");
    if (link) link.focus();
  }
  function setupList() {
    const all = document.querySelector("[data-select-all]");
    if (all) {
      all.addEventListener("change", () => {
        document.querySelectorAll("#bulk-form input[name=ticket]").forEach((box) => { box.checked = all.checked; });
      });
    }
  }

  /* Phone call form: pick a caller from the search results. */
  function setupCallerPicker() {
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-pick-caller]");
      if (!button) return;
      const input = document.getElementById("id_requester");
      const label = document.getElementById("chosen-caller");
      if (input) input.value = button.dataset.pickCaller;
      if (label) label.innerHTML = "";
      if (label) {
        label.append("Caller: ");
        const strong = document.createElement("strong");
        strong.textContent = button.dataset.callerLabel;
        label.append(strong);
      }
    });
  }

  /* Ticket page: who else is here (and typing), and whether the ticket changed meanwhile. */
  function setupPresence() {
    const root = document.querySelector("[data-ticket]");
    if (!root || !window.WebSocket) return;
    const number = root.dataset.ticket;
    const box = document.getElementById("presence");
    const stale = document.getElementById("stale-notice");
    const others = new Map();
    let socket;
    let typingTimer = null;
    let lastTypingSent = 0;

    function render() {
      box.textContent = "";
      others.forEach((info) => {
        const span = document.createElement("span");
        span.className = "viewer" + (info.typing ? " typing" : "");
        span.dataset.viewer = info.name;
        span.textContent = info.typing ? `${info.name} is typing…` : `${info.name} is viewing`;
        box.append(span);
      });
    }
    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
    }
    function connect() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws/desk/tickets/${number}/?version=${root.dataset.version}`);
      socket.addEventListener("message", (event) => {
        const data = JSON.parse(event.data);
        if (data.type === "presence") {
          if (data.state === "left") others.delete(data.channel);
          else {
            const known = others.get(data.channel) || { name: data.name, typing: false };
            known.typing = data.state === "typing" ? true : (data.state === "idle" ? false : known.typing);
            others.set(data.channel, known);
            if (data.state === "joined") send({ type: "here" });
            if (known.typing) {
              clearTimeout(known.timer);
              known.timer = setTimeout(() => { known.typing = false; render(); }, 6000);
            }
          }
          render();
        } else if (data.type === "changed" && stale) {
          stale.hidden = false;
        }
      });
      socket.addEventListener("close", () => { others.clear(); render(); setTimeout(connect, 3000); });
    }
    connect();
    const body = document.querySelector("#composer textarea");
    if (body) {
      body.addEventListener("input", () => {
        const now = Date.now();
        if (now - lastTypingSent > 2000) { send({ type: "typing" }); lastTypingSent = now; }
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => send({ type: "idle" }), 5000);
      });
    }
  }

  /* Keyboard shortcuts. */
  let pendingG = false;
  function focusComposer(kind) {
    const radio = document.querySelector(`#composer input[name=kind][value=${kind}]`);
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    const body = document.querySelector("#composer textarea");
    if (body) body.focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingInField(event)) return;
    const key = event.key;
    if (pendingG) {
      pendingG = false;
      if (key === "q") { location.href = "/desk/"; event.preventDefault(); }
      return;
    }
    if (key === "g") { pendingG = true; setTimeout(() => { pendingG = false; }, 1200); return; }
    if (key === "?") {
      const dialog = document.getElementById("shortcuts");
      if (dialog && dialog.showModal) { dialog.showModal(); event.preventDefault(); }
    } else if (key === "j") { moveCursor(1); event.preventDefault(); }
    else if (key === "k") { moveCursor(-1); event.preventDefault(); }
    else if (key === "x") {
      const row = rows()[cursor];
      const box = row && row.querySelector("input[name=ticket]");
      if (box) { box.checked = !box.checked; event.preventDefault(); }
    } else if (key === "o") {
      const row = rows()[cursor];
      const link = row && row.querySelector("[data-open]");
      if (link) { link.click(); event.preventDefault(); }
    } else if (key === "/") {
      const search = document.querySelector("#id_text, input[type=search]");
      if (search) { search.focus(); event.preventDefault(); }
    } else if (key === "r") { focusComposer("public"); event.preventDefault(); }
    else if (key === "n") { focusComposer("internal"); event.preventDefault(); }
    else if (key === "c") {
      const claim = document.getElementById("claim-button");
      if (claim) { claim.click(); event.preventDefault(); }
    } else if (key === "p" && location.pathname.startsWith("/desk/")) { location.href = "/desk/phone/"; }
  });

  /* Knowledge panel on the ticket page: insert an article's link or text into the reply. */
  function setupKbInsert() {
    document.addEventListener("click", (event) => {
      const button = event.target.closest("[data-kb-insert]");
      if (!button) return;
      const box = document.querySelector("#composer textarea[name=body]");
      if (!box) return;
      const text = button.dataset.kbInsert;
      const start = box.selectionStart ?? box.value.length;
      const end = box.selectionEnd ?? box.value.length;
      const before = box.value.slice(0, start);
      const glue = before && !before.endsWith("\n") ? "\n" : "";
      box.value = before + glue + text + box.value.slice(end);
      const caret = (before + glue + text).length;
      box.focus();
      box.setSelectionRange(caret, caret);
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupKbInsert();
    setupComposer();
    setupList();
    setupCallerPicker();
    setupPresence();
  });
})();
