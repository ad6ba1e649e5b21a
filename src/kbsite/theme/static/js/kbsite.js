// kbsite default theme: progressive enhancements only; every page reads fully without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var strings = document.body.dataset;

  // Theme toggle: flips whichever theme is showing and remembers the choice. The inline script
  // in <head> re-applies it before first paint on the next page.
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var dark = root.dataset.theme
        ? root.dataset.theme === "dark"
        : window.matchMedia("(prefers-color-scheme: dark)").matches;
      var next = dark ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("kbsite-theme", next); } catch (e) { /* private mode */ }
    });
  }

  // Copy buttons on code blocks, in the language bar (made when the block has none).
  document.querySelectorAll(".code-block").forEach(function (block) {
    var code = block.querySelector("pre code");
    if (!code || !navigator.clipboard) return;
    var bar = block.querySelector(".code-lang");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "code-lang";
      block.insertBefore(bar, block.firstChild);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = strings.copy;
    button.setAttribute("aria-label", strings.copyLabel);
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(code.innerText).then(function () {
        button.textContent = strings.copied;
        setTimeout(function () { button.textContent = strings.copy; }, 1600);
      });
    });
    bar.appendChild(button);
  });

  // A box that scrolls sideways must be reachable by keyboard to be scrolled (WCAG 2.1.1).
  function markScrollable() {
    document.querySelectorAll(".note-body pre, .note-body table, .math.display").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) el.setAttribute("tabindex", "0");
      else el.removeAttribute("tabindex");
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);

  // Table of contents: folded on narrow screens (it is open in the HTML so it reads without
  // JavaScript), and the entry of the section being read is marked while scrolling.
  var toc = document.querySelector(".toc");
  if (!toc) return;
  var wide = window.matchMedia("(min-width: 1100px)");
  var details = toc.querySelector("details");
  function fold() { details.open = wide.matches; }
  fold();
  wide.addEventListener("change", fold);

  if (!("IntersectionObserver" in window)) return;
  var links = {};
  toc.querySelectorAll("a[href^='#']").forEach(function (a) {
    links[decodeURIComponent(a.getAttribute("href").slice(1))] = a;
  });
  var current = null;
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      if (current) current.removeAttribute("aria-current");
      current = links[entry.target.id];
      if (current) current.setAttribute("aria-current", "location");
    });
  }, { rootMargin: "0px 0px -70% 0px" });
  Object.keys(links).forEach(function (id) {
    var heading = document.getElementById(id);
    if (heading) observer.observe(heading);
  });
})();
