/* kbsite serve: live reload. Served only by `kbsite serve`; never part of a built site.
 * Listens to Server-Sent Events: "reload" reloads the page (keeping the scroll position),
 * "css" swaps changed stylesheets in place, "error" shows the build's diagnostics in an
 * overlay, "ok" removes it. */
(function () {
  "use strict";
  var me = document.currentScript;
  var src = new URL(me ? me.src : location.href, location.href);
  var base = src.pathname.replace(/__kbsite\/live-reload\.js$/, "");
  var generation = src.searchParams.get("v");
  var SCROLL_KEY = "kbsite-scroll:" + location.pathname;
  var state = (window.__kbsiteLive = { connected: false, events: 0, overlay: false });
  /* The overlay's words, in the site's language: the page passes them on the script tag (from
   * kbsite's i18n); a page without them (a custom base template) gets English. */
  var words = me ? me.dataset : {};
  var TEXT = {
    title: words.title || "kbsite: the build failed",
    problems: words.problems || "{n} problems",
    oneProblem: words.oneProblem || "1 problem",
    dismiss: words.dismiss || "Dismiss",
    hint: words.hint || "The page shows the last good build. Save a fix and this goes away."
  };

  restoreScroll();

  function restoreScroll() {
    var saved;
    try { saved = sessionStorage.getItem(SCROLL_KEY); sessionStorage.removeItem(SCROLL_KEY); }
    catch (e) { return; }
    if (!saved) return;
    var y = parseInt(saved, 10);
    var apply = function () { window.scrollTo(0, y); };
    apply();
    if (document.readyState !== "complete") window.addEventListener("load", apply, { once: true });
  }

  /* Set while the reader leaves for another page: a reload then would win over their click
   * (the old page reloaded instead of the page asked for). Cleared after a while, in case the
   * navigation was cancelled (a download, a "leave site?" answered no). */
  var leaving = null;
  window.addEventListener("beforeunload", function () {
    clearTimeout(leaving);
    leaving = setTimeout(function () { leaving = null; }, 3000);
  });

  function reload() {
    if (leaving !== null) return;
    try { sessionStorage.setItem(SCROLL_KEY, String(window.scrollY)); } catch (e) { /* private mode */ }
    location.reload();
  }

  /* The output file this page was served from, e.g. "large-model/lora/index.html". */
  function ownFile() {
    var path = decodeURIComponent(location.pathname);
    if (path.indexOf(base) === 0) path = path.slice(base.length);
    return path === "" || path.charAt(path.length - 1) === "/" ? path + "index.html" : path;
  }

  /* Reload only when this page, or something it may load (not another page or feed), changed.
   * previews.json changes with any excerpt; hover cards can use the old one until the next
   * reload rather than every tab reloading for each edit near a note's start. */
  function concernsMe(paths) {
    if (!paths) return true;
    var mine = base + ownFile();
    for (var i = 0; i < paths.length; i++) {
      var p = paths[i];
      if (p === base + "previews.json") continue;
      if (p.indexOf(base + "pagefind/") === 0) continue;  /* the search box reloads the index */
      if (p === mine || p === base + "404.html" || !/\.(html|xml|txt)$/.test(p)) return true;
    }
    return false;
  }

  function swapStyles(urls) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      var url = new URL(link.href, location.href);
      if (urls.indexOf(decodeURIComponent(url.pathname)) < 0) return;
      url.searchParams.set("kbsite", String(Date.now()));
      var fresh = link.cloneNode();
      fresh.href = url.href;
      /* keep the old sheet until the new one has loaded, so the page never flashes unstyled */
      fresh.addEventListener("load", function () { link.remove(); }, { once: true });
      fresh.addEventListener("error", function () { link.remove(); }, { once: true });
      link.after(fresh);
    });
  }

  var OVERLAY_CSS = [
    ":host { all: initial; display: block; position: fixed; inset: 0; z-index: 2147483647; }",
    ".backdrop { position: absolute; inset: 0; background: rgba(12, 14, 18, .55);",
    "  display: flex; align-items: flex-start; justify-content: center; padding: 6vh 1rem; overflow: auto;",
    "  font: 15px/1.6 system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Noto Sans CJK SC', sans-serif; }",
    ".panel { width: min(56rem, 100%); background: #1b1e24; color: #e6e8ec; border-radius: 10px;",
    "  border-top: 4px solid #ff6b6b; box-shadow: 0 18px 60px rgba(0, 0, 0, .45); padding: 1.1rem 1.4rem 1.3rem; }",
    "header { display: flex; align-items: baseline; gap: .75rem; }",
    "h2 { margin: 0; font-size: 1.05rem; color: #ff8787; font-weight: 650; letter-spacing: .01em; }",
    ".count { color: #9aa3ae; font-size: .9rem; }",
    "button { margin-left: auto; background: none; border: 1px solid #3a3f48; color: #c9ced6; border-radius: 6px;",
    "  font: inherit; font-size: .85rem; padding: .1rem .6rem; cursor: pointer; }",
    "button:hover { border-color: #7cb8ff; color: #fff; }",
    "ol { list-style: none; margin: .9rem 0 0; padding: 0; }",
    "li { background: #14161a; border: 1px solid #2c3038; border-radius: 8px; padding: .6rem .85rem; margin-top: .5rem;",
    "  font-family: ui-monospace, 'SFMono-Regular', 'JetBrains Mono', Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace;",
    "  font-size: .88rem; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".where { color: #7cb8ff; font-weight: 600; }",
    ".msg { display: block; color: #f1f3f5; margin-top: .15rem; }",
    "p.hint { margin: .9rem 0 0; color: #9aa3ae; font-size: .85rem; }"
  ].join("\n");

  var host = null;

  function showErrors(diagnostics) {
    hideErrors();
    host = document.createElement("kbsite-error-overlay");
    host.setAttribute("role", "alert");
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = OVERLAY_CSS;
    var backdrop = el("div", "backdrop");
    var panel = el("div", "panel");
    var header = el("header");
    header.append(el("h2", "", TEXT.title), el("span", "count", diagnostics.length === 1
      ? TEXT.oneProblem : TEXT.problems.replace("{n}", String(diagnostics.length))));
    var close = el("button", "", TEXT.dismiss);
    close.type = "button";
    close.addEventListener("click", hideErrors);
    header.append(close);
    var list = el("ol");
    diagnostics.forEach(function (d) {
      var item = el("li");
      var where = d.path + (d.line ? ":" + d.line : "") + (d.line && d.column ? ":" + d.column : "");
      item.append(el("span", "where", where), el("span", "msg", d.message));
      list.append(item);
    });
    panel.append(header, list,
      el("p", "hint", TEXT.hint));
    backdrop.append(panel);
    root.append(style, backdrop);
    document.documentElement.append(host);
    state.overlay = true;
  }

  /* Text goes in through textContent, so diagnostics can never inject markup. */
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hideErrors() {
    if (host) host.remove();
    host = null;
    state.overlay = false;
  }

  function connect() {
    var url = base + "__kbsite/events" + (generation !== null ? "?v=" + generation : "");
    var source = new EventSource(url);
    source.onopen = function () { state.connected = true; };
    source.onerror = function () { state.connected = false; };
    function on(name, handle) {
      source.addEventListener(name, function (message) {
        state.events += 1;
        handle(JSON.parse(message.data));
      });
    }
    on("reload", function (data) {
      if (concernsMe(data.paths)) return reload();
      hideErrors();
      generation = String(data.generation);
      /* A save indexed its note again: kbsite.js searches the new index from the next query. */
      var indexed = (data.paths || []).some(function (p) { return p.indexOf(base + "pagefind/") === 0; });
      if (indexed) window.dispatchEvent(new Event("kbsite:search-index"));
    });
    on("css", function (data) { hideErrors(); swapStyles(data.urls); generation = String(data.generation); });
    on("error", function (data) { showErrors(data.diagnostics); });
    on("ok", function () { hideErrors(); });
  }

  connect();
})();
