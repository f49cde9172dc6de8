// ruralstudy site script: code toggle, citation copy, and in-browser search.
// The search index (assets/search-index.js) is loaded only when the search box is used.
// Results are built from text nodes and elements only (no HTML parsing): data stays text.
(function () {
  "use strict";
  // anchors land below the sticky header, whatever its height (it wraps on narrow screens)
  var header = document.querySelector(".site-header");
  function headerSpace() {
    if (!header) { return; }
    var sticky = getComputedStyle(header).position === "sticky";
    document.documentElement.style.setProperty("--header", sticky ? (header.offsetHeight + 12) + "px" : "0.5rem");
  }
  headerSpace();
  window.addEventListener("resize", headerSpace);
  var toggle = document.getElementById("code-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var show = toggle.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll(".code-input").forEach(function (el) { el.hidden = !show; });
      toggle.setAttribute("aria-pressed", show ? "true" : "false");
      toggle.textContent = show ? "Hide code" : "Show code";
    });
  }

  // --- copy buttons (citations) -------------------------------------------------------------
  document.querySelectorAll("button[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var src = document.getElementById(btn.getAttribute("data-copy"));
      if (!src) { return; }
      var text = src.textContent, status = btn.nextElementSibling;
      function done(ok) {
        if (status) { status.textContent = ok ? "Copied" : "Select the text and copy it"; }
      }
      function fallback() {  // file:// pages and older browsers: select and copy
        var range = document.createRange(); range.selectNodeContents(src);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
      } else { fallback(); }
    });
  });

  // --- search -------------------------------------------------------------------------------
  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var root = document.body.getAttribute("data-root") || "";
  if (!box || !list) { return; }
  var waiting = null, active = -1;

  function ensureIndex(then) {
    if (window.RURALSTUDY_SEARCH) { then(); return; }
    if (waiting) { waiting.push(then); return; }
    waiting = [then];
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () { var w = waiting; waiting = null; w.forEach(function (f) { f(); }); };
    s.onerror = function () { waiting = null; };
    document.head.appendChild(s);
  }

  function terms(q) {
    return q.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
  }

  function clear() { while (list.firstChild) { list.removeChild(list.firstChild); } active = -1; }

  function hide() { list.hidden = true; box.setAttribute("aria-expanded", "false"); }

  // text with every term highlighted: text nodes and <mark> elements only
  function highlighted(text, ts) {
    var span = document.createElement("span"), low = text.toLowerCase(), pos = 0;
    span.className = "snippet";
    while (pos < text.length) {
      var best = -1, len = 0;
      ts.forEach(function (t) {
        var i = low.indexOf(t, pos);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = t.length; }
      });
      if (best < 0) { span.appendChild(document.createTextNode(text.slice(pos))); break; }
      span.appendChild(document.createTextNode(text.slice(pos, best)));
      var m = document.createElement("mark"); m.textContent = text.slice(best, best + len);
      span.appendChild(m);
      pos = best + len;
    }
    return span;
  }

  function snippet(text, ts) {
    var low = text.toLowerCase(), at = -1;
    ts.forEach(function (t) { var i = low.indexOf(t); if (i >= 0 && (at < 0 || i < at)) { at = i; } });
    if (at < 0) { return text.slice(0, 100); }
    var a = Math.max(0, at - 40), b = Math.min(text.length, at + 80);
    return (a > 0 ? "…" : "") + text.slice(a, b) + (b < text.length ? "…" : "");
  }

  function select(i) {
    var items = list.querySelectorAll("li[data-href]");
    if (!items.length) { return; }
    active = (i + items.length) % items.length;
    items.forEach(function (li, k) { li.setAttribute("aria-selected", k === active ? "true" : "false"); });
    items[active].scrollIntoView({block: "nearest"});
  }

  function run() {
    var idx = window.RURALSTUDY_SEARCH, q = box.value.trim();
    clear();
    if (!q) { hide(); return; }
    if (!idx) { ensureIndex(run); return; }
    var ts = terms(q), found = [];
    idx.sections.forEach(function (sec, i) {
      var title = sec.title.toLowerCase(), text = sec.text.toLowerCase(), keys = (sec.keys || "").toLowerCase();
      var score = 0;
      for (var k = 0; k < ts.length; k++) {
        var t = ts[k], inTitle = title.indexOf(t) >= 0, inKeys = keys.indexOf(t) >= 0, inText = text.indexOf(t) >= 0;
        if (!inTitle && !inKeys && !inText) { return; }
        score += (inTitle ? 10 : 0) + (inKeys ? 8 : 0) + (inText ? 1 : 0);
      }
      found.push([score, i]);
    });
    found.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    if (!found.length) {
      var none = document.createElement("li"); none.textContent = "No page matches"; list.appendChild(none);
    } else {
      var status = document.createElement("li"); status.className = "search-status";
      status.textContent = found.length + " section(s) · ↑↓ to move, Enter to open, Esc to close";
      list.appendChild(status);
    }
    found.slice(0, 30).forEach(function (hit) {
      var page = idx.sections[hit[1]], li = document.createElement("li"), a = document.createElement("a");
      a.href = root + page.url;
      a.textContent = page.title;
      li.setAttribute("role", "option");
      li.setAttribute("data-href", a.href);
      li.appendChild(a);
      li.appendChild(highlighted(snippet(page.text, ts), ts));
      list.appendChild(li);
    });
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
  }

  box.addEventListener("focus", function () { ensureIndex(function () {}); });
  box.addEventListener("input", run);
  box.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { ev.preventDefault(); select(active + 1); }
    else if (ev.key === "ArrowUp") { ev.preventDefault(); select(active - 1); }
    else if (ev.key === "Enter") {
      var items = list.querySelectorAll("li[data-href]");
      if (items.length) { ev.preventDefault(); window.location.href = items[Math.max(active, 0)].getAttribute("data-href"); }
    } else if (ev.key === "Escape") { hide(); }
  });
  document.addEventListener("click", function (ev) {
    if (!list.hidden && !list.contains(ev.target) && ev.target !== box) { hide(); }
  });
})();
