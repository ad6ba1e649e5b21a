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

  setupSearch();
  setupPreviews();

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

  // Search: the Pagefind index the build writes into /pagefind/, loaded on first use. The header
  // box lists the best matches as you type; /search/ lists them all with a category filter.
  // Keys: "/" focuses the box, arrows move through the results, Enter opens one.
  function loadPagefind(holder) {
    if (!holder.pagefind) {
      holder.pagefind = import(holder.dataset.pagefind).then(function (pagefind) {
        return pagefind.options({ baseUrl: holder.dataset.base }).then(function () { return pagefind; });
      });
    }
    return holder.pagefind;
  }

  function runSearch(holder, query, filters, limit) {
    return loadPagefind(holder).then(function (pagefind) {
      return pagefind.debouncedSearch(query, { filters: filters || {} }, 120);
    }).then(function (search) {
      if (!search) return null;  // a newer query replaced this one
      var shown = limit ? search.results.slice(0, limit) : search.results.slice(0, 50);
      return Promise.all(shown.map(function (r) { return r.data(); })).then(function (items) {
        return { total: search.results.length, items: items };
      });
    });
  }

  function resultItem(data, id) {
    var li = document.createElement("li");
    li.className = "search-result";
    li.id = id;
    li.setAttribute("role", "option");
    var a = document.createElement("a");
    a.href = data.url;
    var title = document.createElement("span");
    title.className = "search-result-title";
    title.textContent = (data.meta && data.meta.title) || data.url;
    a.appendChild(title);
    var category = data.filters && data.filters.category && data.filters.category[0];
    if (category) {
      var chip = document.createElement("span");
      chip.className = "search-result-category";
      chip.textContent = category;
      a.appendChild(chip);
    }
    var excerpt = document.createElement("span");
    excerpt.className = "search-result-excerpt";
    excerpt.innerHTML = data.excerpt;  // Pagefind escapes the text and adds only <mark>
    a.appendChild(excerpt);
    li.appendChild(a);
    return li;
  }

  // Arrow keys move an "active" result; Enter follows it.
  function keyboardList(input, list, onEscape) {
    var active = -1;
    function options() { return list.querySelectorAll("[role=option]"); }
    function mark(index) {
      var items = options();
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    input.addEventListener("keydown", function (event) {
      var count = options().length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        mark((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        mark(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0 && options()[active]) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      } else if (event.key === "Escape" && onEscape) {
        onEscape();
      }
    });
    return function reset() { mark(-1); };
  }

  function setupSearch() {
    var box = document.querySelector(".site-search");
    var page = document.querySelector(".search-page");
    var input = box && box.querySelector(".search-input");
    var pageInput = page && page.querySelector(".search-input");
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (event.key !== "/" || typing || event.ctrlKey || event.metaKey || event.altKey) return;
      var field = pageInput || input;
      if (!field) return;
      event.preventDefault();
      field.focus();
      field.select();
    });
    if (box && input) setupSearchBox(box, input);
    if (page && pageInput) setupSearchPage(page, pageInput);
  }

  function setupSearchBox(box, input) {
    var popup = box.querySelector(".search-popup");
    var count = 0;
    function close() {
      popup.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
    function show(nodes) {
      popup.replaceChildren.apply(popup, nodes);
      popup.hidden = nodes.length === 0;
      input.setAttribute("aria-expanded", nodes.length ? "true" : "false");
    }
    function note(text) {
      var li = document.createElement("li");
      li.className = "search-note";
      li.textContent = text;
      return li;
    }
    var reset = keyboardList(input, popup, close);
    input.addEventListener("input", function () {
      var query = input.value.trim();
      var mine = ++count;
      reset();
      if (!query) return show([]);
      runSearch(box, query, null, 8).then(function (found) {
        if (!found || mine !== count) return;
        if (!found.items.length) return show([note(box.dataset.noResults)]);
        show(found.items.map(function (data, i) { return resultItem(data, "site-search-option-" + i); }));
      }).catch(function () { show([note(box.dataset.unbuilt)]); });  // no index: `kbsite serve`
    });
    input.addEventListener("focus", function () { if (popup.children.length) { popup.hidden = false; input.setAttribute("aria-expanded", "true"); } });
    document.addEventListener("click", function (event) { if (!box.contains(event.target)) close(); });
  }

  function setupSearchPage(page, input) {
    var select = page.querySelector("#search-category");
    var list = page.querySelector(".search-results");
    var status = page.querySelector(".search-status");
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";
    if (params.get("category")) select.value = params.get("category");
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", status.textContent || "results");
    input.setAttribute("aria-controls", list.id);
    var reset = keyboardList(input, list, null);
    var count = 0;
    function update() {
      var query = input.value.trim();
      var mine = ++count;
      reset();
      var url = new URL(window.location.href);
      url.searchParams.set("q", query);
      if (select.value) url.searchParams.set("category", select.value); else url.searchParams.delete("category");
      window.history.replaceState(null, "", url);
      if (!query) { list.replaceChildren(); status.textContent = ""; return; }
      var filters = select.value ? { category: select.value } : null;
      runSearch(page, query, filters, 0).then(function (found) {
        if (!found || mine !== count) return;
        status.textContent = found.total ? page.dataset.resultsCount.replace("{n}", found.total) : page.dataset.noResults;
        list.replaceChildren.apply(list, found.items.map(function (data, i) { return resultItem(data, "search-option-" + i); }));
      }).catch(function () { status.textContent = page.dataset.unbuilt; });
    }
    page.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); update(); });
    input.addEventListener("input", update);
    select.addEventListener("change", update);
    if (input.value) update();
    input.focus();
  }

  // Hover previews: on wide screens with a pointer, hovering a link to another note shows its
  // title and excerpt, from /previews.json (written by the build; fetched once, on first hover).
  function setupPreviews() {
    var source = document.body.dataset.previews;
    if (!source || !window.matchMedia("(min-width: 1100px) and (hover: hover)").matches) return;
    var previews = null;
    var card = null;
    var timer = 0;
    function lookup(link) {
      if (link.origin !== window.location.origin || link.closest(".search-popup, .search-results, .site-header, .toc")) return null;
      var path = decodeURI(link.pathname);
      return (previews && previews[path] && path !== decodeURI(window.location.pathname)) ? previews[path] : null;
    }
    function hide() {
      clearTimeout(timer);
      if (card) card.hidden = true;
    }
    function show(link, data) {
      if (!card) {
        card = document.createElement("div");
        card.className = "preview-card";
        card.setAttribute("role", "tooltip");
        card.id = "kbsite-preview";
        document.body.appendChild(card);
      }
      card.replaceChildren();
      [["preview-category", data.category], ["preview-title", data.title], ["preview-excerpt", data.excerpt]].forEach(function (part) {
        var el = document.createElement("span");
        el.className = part[0];
        el.textContent = part[1];
        card.appendChild(el);
      });
      var box = link.getBoundingClientRect();
      card.hidden = false;
      var left = Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - card.offsetWidth - 16);
      card.style.left = Math.max(8, left) + "px";
      card.style.top = box.bottom + window.scrollY + 8 + "px";
    }
    document.addEventListener("mouseover", function (event) {
      var link = event.target.closest && event.target.closest("main a[href]");
      if (!link) return;
      var start = function () {
        var data = lookup(link);
        if (data) timer = setTimeout(function () { show(link, data); }, 250);
      };
      if (previews) return start();
      if (!previews && link.origin === window.location.origin) {
        previews = {};
        fetch(source).then(function (r) { return r.ok ? r.json() : {}; }).then(function (json) { previews = json; start(); }).catch(function () {});
      }
    });
    document.addEventListener("mouseout", function (event) {
      if (event.target.closest && event.target.closest("main a[href]")) hide();
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });
  }
})();
