// ruralstudy site script: code toggle and in-browser search over a bundled index.
// Chinese has no spaces, so the index holds character bigrams (and single characters) of
// every CJK run as well as lower-cased Latin words; a query is tokenised the same way.
(function () {
  "use strict";
  var toggle = document.getElementById("code-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var show = toggle.getAttribute("aria-pressed") !== "true";
      document.querySelectorAll(".code-input").forEach(function (el) { el.hidden = !show; });
      toggle.setAttribute("aria-pressed", show ? "true" : "false");
      toggle.textContent = show ? "Hide code" : "Show code";
    });
  }

  function tokens(text) {
    var out = [];
    var cjk = /[\u3400-\u9fff\uf900-\ufaff]+/g, m;
    while ((m = cjk.exec(text)) !== null) {
      var run = m[0];
      if (run.length === 1) { out.push(run); }
      for (var i = 0; i + 1 < run.length; i++) { out.push(run.substr(i, 2)); }
    }
    (text.toLowerCase().match(/[a-z0-9][a-z0-9_.%-]*/g) || []).forEach(function (w) { out.push(w); });
    return out;
  }

  var box = document.getElementById("search-box");
  var list = document.getElementById("search-results");
  var root = document.body.getAttribute("data-root") || "";
  var idx = window.RURALSTUDY_SEARCH;
  if (!box || !list || !idx) { return; }
  box.addEventListener("input", function () {
    var q = box.value.trim();
    while (list.firstChild) { list.removeChild(list.firstChild); }  // results are text nodes only
    if (!q) { list.hidden = true; return; }
    var toks = tokens(q), hits = null;
    toks.forEach(function (t) {
      var pages = idx.tokens[t] || [];
      var set = {};
      pages.forEach(function (p) { set[p] = true; });
      hits = hits === null ? set : Object.keys(hits).reduce(function (acc, p) {
        if (set[p]) { acc[p] = true; } return acc; }, {});
    });
    var ids = hits ? Object.keys(hits).map(Number) : [];
    ids.sort(function (a, b) { return a - b; });
    if (!ids.length) {
      var li = document.createElement("li"); li.textContent = "No page matches"; list.appendChild(li);
    }
    ids.slice(0, 50).forEach(function (i) {
      var page = idx.pages[i], li = document.createElement("li"), a = document.createElement("a");
      a.href = root + page.url; a.textContent = page.title; li.appendChild(a); list.appendChild(li);
    });
    list.hidden = false;
  });
})();
