// kbsite default theme: progressive enhancements only; every page reads fully without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  var strings = document.body.dataset;
  // search-text.js sits beside this script; known only while it runs.
  var searchText = document.currentScript ? new URL("search-text.js", document.currentScript.src).href : "";
  var searchReset = Promise.resolve();  // the old index unloading, after serve re-indexed

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

  // A box that scrolls sideways must be reachable by keyboard to be scrolled (WCAG 2.1.1);
  // so must a notebook's long output, which scrolls down in its box.
  function markScrollable() {
    document.querySelectorAll(".note-body pre, .note-body table, .math.display").forEach(function (el) {
      var down = el.classList.contains("nb-scrolled") && el.scrollHeight > el.clientHeight + 1;
      if (el.scrollWidth > el.clientWidth + 1 || down) el.setAttribute("tabindex", "0");
      else el.removeAttribute("tabindex");
    });
  }
  markScrollable();
  window.addEventListener("resize", markScrollable);

  setupSearch();
  setupPreviews();
  setupCitations();
  setupVenueFilter();

  // Phones show the category chips in one sideways-scrolling row whose right edge fades while
  // there is more: bring the page's own chip into view, and drop the fade at the end.
  var row = document.querySelector(".category-nav ul");
  if (row) {
    var chip = row.querySelector("a[aria-current]");
    if (chip && row.scrollWidth > row.clientWidth && chip.offsetLeft + chip.offsetWidth > row.clientWidth) {
      row.scrollLeft = chip.offsetLeft - (row.clientWidth - chip.offsetWidth) / 2;
    }
    var atEnd = function () { row.classList.toggle("at-end", row.scrollLeft + row.clientWidth >= row.scrollWidth - 2); };
    row.addEventListener("scroll", atEnd, { passive: true });
    atEnd();
  }

  setupHeader();
  setupAnchors();
  setupBackToTop();
  setupExplorer();
  setupToc();

  // Phones: the menu and the search box sit behind one button, and the header, sticky, slides
  // away while the reader scrolls down and comes back on the first scroll up.
  function setupHeader() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".nav-toggle");
    if (!header || !button) return;
    var phone = window.matchMedia("(max-width: 600px)");
    button.hidden = false;
    function setOpen(open) {
      header.classList.toggle("is-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var open = !header.classList.contains("is-open");
      setOpen(open);
      var field = open && header.querySelector(".site-search .search-input");
      if (field) field.focus();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("is-open")) { setOpen(false); button.focus(); }
    });
    var lastY = window.scrollY;
    window.addEventListener("scroll", function () {
      var y = window.scrollY;
      if (!phone.matches || header.classList.contains("is-open") || header.contains(document.activeElement)) {
        header.classList.remove("is-hidden");
      } else if (y > lastY + 4 && y > header.offsetHeight) {
        header.classList.add("is-hidden");
      } else if (y < lastY - 4 || y <= 0) {
        header.classList.remove("is-hidden");
      }
      if (Math.abs(y - lastY) > 4 || y <= 0) lastY = y;
    }, { passive: true });
  }

  // Heading anchors show on hover and focus (CSS); on a touch screen a tap on the heading shows
  // its anchor, as there is no hover to reveal it.
  function setupAnchors() {
    document.addEventListener("click", function (event) {
      var heading = event.target.closest && event.target.closest(".note-body :is(h2, h3, h4)");
      document.querySelectorAll(".show-anchor").forEach(function (h) { if (h !== heading) h.classList.remove("show-anchor"); });
      if (heading && heading.querySelector(".heading-anchor")) heading.classList.add("show-anchor");
    });
  }

  // "Back to top" on notes several screens long, once the reader is a screen down.
  function setupBackToTop() {
    var button = document.querySelector(".back-to-top");
    if (!button) return;
    var footer = document.querySelector(".site-footer");
    function update() {
      var long = document.documentElement.scrollHeight > 3 * window.innerHeight;
      button.hidden = !(long && window.scrollY > window.innerHeight);
      // ride above the footer once it scrolls in, rather than cover its links
      var lift = footer ? Math.max(0, window.innerHeight - footer.getBoundingClientRect().top) : 0;
      button.style.transform = lift ? "translateY(" + -lift + "px)" : "";
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      window.scrollTo(0, 0);
      var title = document.querySelector(".site-title");
      if (title) title.focus({ preventScroll: true });
    });
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // Table of contents: folded on narrow screens (it is open in the HTML so it reads without
  // JavaScript). The entry marked is the section being read: the last heading at or above a
  // line a quarter down the viewport, recomputed on every scroll, up or down. After a jump to
  // a heading (a link, or a page loaded at an anchor) the target is marked even when the end
  // of the page keeps it below that line, until the reader scrolls on.
  // Folder tree (urls: path): folded on narrow screens like the TOC; on wide ones the current
  // note's link is scrolled into the sidebar's view.
  function setupExplorer() {
    var explorer = document.querySelector(".explorer");
    if (!explorer) return;
    var wide = window.matchMedia("(min-width: 1100px)");
    var details = explorer.querySelector("details");
    function fold() { details.open = wide.matches; }
    fold();
    wide.addEventListener("change", fold);
    // The page holds only its own branch (the whole tree cost ~70 KB a page at 600 notes):
    // a folder opened elsewhere is filled from explorer.json, fetched once for the page and
    // then served from the browser's cache to the next pages.
    var lists = null;
    explorer.addEventListener("toggle", function (event) {
      var folder = event.target;
      if (!folder.open || !folder.dataset.folder || folder.querySelector("ul")) return;
      if (!lists) {
        lists = fetch(explorer.dataset.tree).then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        });
        lists.catch(function () { lists = null; });  // try again on the next folder opened
      }
      lists.then(function (found) {
        var html = found[folder.dataset.folder];
        if (html && !folder.querySelector("ul")) folder.insertAdjacentHTML("beforeend", html);
      }, function () {});
    }, true);  // capture: "toggle" does not bubble
    var current = explorer.querySelector("[aria-current='page']");
    var side = explorer.closest(".note-side");
    if (current && side && wide.matches && side.scrollHeight > side.clientHeight) {
      var at = current.getBoundingClientRect().top - side.getBoundingClientRect().top;
      side.scrollTop = Math.max(0, at - side.clientHeight / 3);
    }
  }

  function setupToc() {
    var toc = document.querySelector(".toc");
    if (!toc) return;
    var wide = window.matchMedia("(min-width: 1100px)");
    var details = toc.querySelector("details");
    function fold() { details.open = wide.matches; }
    fold();
    wide.addEventListener("change", fold);

    var entries = [];
    toc.querySelectorAll("a[href^='#']").forEach(function (a) {
      var heading = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (heading) entries.push({ heading: heading, link: a });
    });
    if (!entries.length) return;
    var current = null;
    var pinned = null;  // { entry, y }: the heading jumped to, and the scroll position after it

    function entryFor(id) {
      for (var i = 0; i < entries.length; i++) if (entries[i].heading.id === id) return entries[i];
      return null;
    }
    function underLine() {
      var line = window.innerHeight / 4;
      var found = null;
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].heading.getBoundingClientRect().top <= line) found = entries[i];
        else break;
      }
      return found;
    }
    function mark(entry) {
      if (entry === current) return;
      if (current) current.link.removeAttribute("aria-current");
      current = entry;
      if (!entry) return;
      entry.link.setAttribute("aria-current", "location");
      keepInView(entry.link);
    }
    // Scroll the TOC itself (never the page) so the mark stays in its visible part.
    function keepInView(link) {
      if (toc.scrollHeight <= toc.clientHeight) return;
      var box = toc.getBoundingClientRect();
      var at = link.getBoundingClientRect();
      if (at.top < box.top + 8 || at.bottom > box.bottom - 8) {
        toc.scrollTop += at.top - box.top - toc.clientHeight / 2 + at.height / 2;
      }
    }
    function update() {
      if (pinned && Math.abs(window.scrollY - pinned.y) > 2) pinned = null;
      mark(pinned ? pinned.entry : underLine());
    }
    function pin() {
      var entry = entryFor(decodeURIComponent(window.location.hash.slice(1)));
      var top = entry && entry.heading.getBoundingClientRect().top;
      pinned = entry && top >= -2 && top < window.innerHeight ? { entry: entry, y: window.scrollY } : null;
      update();
    }
    var queued = false;
    window.addEventListener("scroll", function () {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(function () { queued = false; update(); });
    }, { passive: true });
    window.addEventListener("resize", update);
    window.addEventListener("hashchange", pin);
    // A second click on the same entry changes no hash but may still scroll back to it.
    toc.addEventListener("click", function (event) {
      if (event.target.closest("a[href^='#']")) window.requestAnimationFrame(pin);
    });
    window.addEventListener("load", pin);
    pin();
  }

  // Search: the Pagefind index the build writes into /pagefind/, loaded on first use. The header
  // box lists the best matches as you type; /search/ lists them all with a category filter.
  // Keys: "/" focuses the box, arrows move through the results, Enter opens one.
  // The index comes in shards (kbsite/searchshards.py): shard 0 beside pagefind.js, shard k in
  // pagefind/k/, their number in pagefind/shards.json; Pagefind merges them into one search.
  // search-text.js turns a query into what the index was made to answer (kbsite/searchtext.py)
  // and a result's text into its excerpt.
  function loadPagefind(holder) {
    if (!holder.pagefind) {
      var bundle = holder.dataset.pagefind.replace(/[^\/]*$/, "");
      var shards = fetch(bundle + "shards.json", { cache: "no-cache" }).then(function (response) {
        return response.ok ? response.json() : { shards: 1 };
      }).catch(function () { return { shards: 1 }; });
      var text = import(searchText);
      holder.pagefind = searchReset.then(function () {
        return import(holder.dataset.pagefind);
      }).then(function (pagefind) {
        return pagefind.options({ baseUrl: holder.dataset.base }).then(function () {
          return shards;
        }).then(function (info) {
          var merged = [];
          for (var k = 1; k < info.shards; k++) {
            merged.push(pagefind.mergeIndex(bundle + k + "/", { baseUrl: holder.dataset.base }));
          }
          return Promise.all(merged);
        }).then(function () { return text; }).then(function (rules) {
          return { pagefind: pagefind, text: rules };
        });
      });
      var mine = holder.pagefind;
      mine.catch(function () { if (holder.pagefind === mine) holder.pagefind = null; });  // try again later
    }
    return holder.pagefind;
  }

  // Results that hold the query as written come first, then those holding only its parts
  // (issue 21): the phrase of its characters is asked first, and the parts only when the
  // phrase leaves room in the list. Each shown result's text is checked, since a phrase of
  // characters also matches across punctuation (注意，力). The phrase's results are shown as
  // soon as they are in; the parts', a second index search away (every one of their
  // characters' index chunks, in every shard), are added below them when they arrive:
  // `found.more` resolves to the whole list then, or to null when nothing is added.
  // `now`: the query came whole (an IME's committed word, a paste), so it is not debounced.
  // A query a newer one has replaced resolves to null as soon as that is known: its results'
  // texts are not loaded and its parts are not searched, since Pagefind answers one search
  // at a time and that work would hold up the newer query's results.
  function runSearch(holder, query, filters, limit, now) {
    var wanted = limit || 50;
    var options = { filters: filters || {} };
    var tools;
    var mine = holder.searches = (holder.searches || 0) + 1;
    function replaced() { return holder.searches !== mine; }
    function classify(results) {
      return Promise.all(results.map(function (r) { return r.data(); })).then(function (items) {
        // Notes titled with the query first (they are about it), then those holding it
        // as written, then those holding its parts; Pagefind's order within each.
        var titled = [], whole = [], some = [];
        items.forEach(function (data) {
          var title = (data.meta && data.meta.title) || "";
          data.title = tools.text.joinCjk(title || data.url);
          data.parts = tools.text.excerpt(data.content, title, query);
          (tools.text.titleHolds(title, query) ? titled
            : tools.text.containsQuery(data.content, title, query) ? whole : some).push(data);
        });
        return titled.concat(whole, some);
      });
    }
    return loadPagefind(holder).then(function (loaded) {
      tools = loaded;
      var phrase = tools.text.phraseQuery(query);
      return now ? tools.pagefind.search(phrase, options) : tools.pagefind.debouncedSearch(phrase, options, 120);
    }).then(function (exact) {
      if (!exact || replaced()) return null;
      var parts = tools.text.partsQuery(query);
      var first = exact.results.slice(0, wanted);
      return classify(first).then(function (items) {
        if (replaced()) return null;
        var more = null;
        // Pagefind misses some phrases of one word (`"q-former"`): ask its parts then too.
        if (first.length < wanted && parts) {
          more = tools.pagefind.search(parts, options).then(function (partial) {
            if (replaced()) return null;
            var seen = {};
            exact.results.forEach(function (r) { seen[r.id] = true; });
            var rest = partial.results.filter(function (r) { return !seen[r.id]; });
            if (!rest.length) return null;
            return classify(rest.slice(0, wanted - first.length)).then(function (added) {
              return { total: exact.results.length + rest.length, items: items.concat(added) };
            });
          });
        }
        return { total: exact.results.length, items: items, more: more };
      });
    });
  }

  // An input event that brings a whole query at once: an IME's committed word (Chinese is
  // typed so), a paste or a drop. Keystrokes one by one are debounced instead.
  function wholeQuery(event) {
    return /^insertFrom/.test(event.inputType || "") || (event.data || "").length > 1;
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
    title.textContent = data.title;
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
    data.parts.forEach(function (part) {
      excerpt.appendChild(part[1] ? document.createElement("mark") : document.createTextNode(""));
      excerpt.lastChild.textContent = part[0];
    });
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
    // kbsite serve re-indexed a saved note (live-reload.js): load the index afresh.
    window.addEventListener("kbsite:search-index", function () {
      var unloading = [box, page].filter(function (holder) { return holder && holder.pagefind; }).map(function (holder) {
        var loaded = holder.pagefind;
        holder.pagefind = null;
        return loaded.then(function (tools) { return tools.pagefind.destroy(); });
      });
      searchReset = Promise.all(unloading).catch(function () {});
    });
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
    input.addEventListener("input", function (event) {
      var query = input.value.trim();
      var mine = ++count;
      reset();
      if (!query) return show([]);
      function list(found) {
        if (!found || mine !== count) return;
        if (!found.items.length) return show(found.more ? [] : [note(box.dataset.noResults)]);
        show(found.items.map(function (data, i) { return resultItem(data, "site-search-option-" + i); }));
      }
      runSearch(box, query, null, 8, wholeQuery(event)).then(function (found) {
        list(found);
        if (!found || !found.more) return null;
        return found.more.then(function (all) {
          if (all) list(all);
          else if (!found.items.length && mine === count) show([note(box.dataset.noResults)]);
        });
      }).catch(function () { if (mine === count) show([note(box.dataset.unbuilt)]); });  // the index failed to load
    });
    input.addEventListener("focus", function () {
      // Load the index (every shard) while the reader types: at 5,000 notes that is most of
      // a first query's time (issue 21).
      loadPagefind(box).catch(function () {});
      if (popup.children.length) { popup.hidden = false; input.setAttribute("aria-expanded", "true"); }
    });
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
    function update(event) {
      var query = input.value.trim();
      var mine = ++count;
      reset();
      var url = new URL(window.location.href);
      url.searchParams.set("q", query);
      if (select.value) url.searchParams.set("category", select.value); else url.searchParams.delete("category");
      window.history.replaceState(null, "", url);
      if (!query) { list.replaceChildren(); status.textContent = ""; return; }
      var filters = select.value ? { category: select.value } : null;
      function show(found) {
        if (!found || mine !== count) return;
        status.textContent = found.total ? page.dataset.resultsCount.replace("{n}", found.total)
          : found.more ? "" : page.dataset.noResults;
        list.replaceChildren.apply(list, found.items.map(function (data, i) { return resultItem(data, "search-option-" + i); }));
      }
      var whole = !event || event.type !== "input" || wholeQuery(event);
      runSearch(page, query, filters, 0, whole).then(function (found) {
        show(found);
        if (!found || !found.more) return null;
        return found.more.then(function (all) {
          if (all) show(all);
          else if (!found.total && mine === count) status.textContent = page.dataset.noResults;
        });
      }).catch(function () { if (mine === count) status.textContent = page.dataset.unbuilt; });
    }
    page.querySelector("form").addEventListener("submit", function (event) { event.preventDefault(); update(); });
    input.addEventListener("input", update);
    select.addEventListener("change", update);
    if (input.value) update();
    input.focus();
  }

  // A hover card (link previews, citations): made once, on first use, as a tooltip.
  function tooltipCard(className, id) {
    var card = document.createElement("div");
    card.className = className;
    card.setAttribute("role", "tooltip");
    card.id = id;
    document.body.appendChild(card);
    return card;
  }

  // Show a hover card 8 px below `anchor`, left-aligned with it, kept `margin` px inside the
  // right edge of the page (and 8 px inside the left).
  function placeBelow(card, anchor, margin) {
    var box = anchor.getBoundingClientRect();
    card.hidden = false;
    var right = window.scrollX + document.documentElement.clientWidth - card.offsetWidth - margin;
    card.style.left = Math.max(8, Math.min(box.left + window.scrollX, right)) + "px";
    card.style.top = box.bottom + window.scrollY + 8 + "px";
  }

  // Hover previews: on wide screens with a pointer, hovering a link to another note shows its
  // title and excerpt, from /previews.json (written by the build; fetched once, on first hover).
  function setupPreviews() {
    var source = document.body.dataset.previews;
    if (!source || !window.matchMedia("(min-width: 1100px) and (hover: hover)").matches) return;
    var previews = null;
    var card = null;
    var timer = 0;
    // A numbered theorem, figure, table or equation: on this page, the block itself (copied);
    // on another, its HTML from previews.json's "labels" (issue 19).
    var LABELLED = ".theorem, figure.numbered, .math.display";
    function lookup(link) {
      if (link.origin !== window.location.origin || link.closest(".search-popup, .search-results, .site-header, .toc")) return null;
      var path = decodeURI(link.pathname);
      var id = link.hash ? decodeURIComponent(link.hash.slice(1)) : "";
      if (path === decodeURI(window.location.pathname)) {
        var target = id && document.getElementById(id);
        var block = target && target.closest(LABELLED);
        return block ? { node: block } : null;
      }
      var data = previews && previews[path];
      if (data && id && data.labels && data.labels[id]) {
        return { category: data.title, title: data.labels[id][0], html: data.labels[id][1] };
      }
      return data || null;
    }
    function labelBody(data) {
      var body = document.createElement("div");
      body.className = "preview-body note-body";
      if (data.node) {
        body.appendChild(data.node.cloneNode(true));
      } else {
        body.innerHTML = data.html;  // written by the build from the site's own notes
      }
      body.querySelectorAll("[id]").forEach(function (el) { el.removeAttribute("id"); });
      return body;
    }
    function hide() {
      clearTimeout(timer);
      if (card) card.hidden = true;
    }
    function show(link, data) {
      if (!card) card = tooltipCard("preview-card", "kbsite-preview");
      card.replaceChildren();
      card.classList.toggle("preview-label", Boolean(data.node || data.html));
      [["preview-category", data.category], ["preview-title", data.title], ["preview-excerpt", data.excerpt]].forEach(function (part) {
        if (!part[1]) return;
        var el = document.createElement("span");
        el.className = part[0];
        el.textContent = part[1];
        card.appendChild(el);
      });
      if (data.node || data.html) card.appendChild(labelBody(data));
      placeBelow(card, link, 16);
    }
    document.addEventListener("mouseover", function (event) {
      var link = event.target.closest && event.target.closest("main a[href]");
      if (!link) return;
      var start = function () {
        var data = lookup(link);
        if (data) timer = setTimeout(function () { show(link, data); }, 250);
      };
      if (previews || decodeURI(link.pathname) === decodeURI(window.location.pathname)) return start();
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

  // Citations: hovering or focusing one shows its works' full entries, copied from the note's
  // bibliography, in the hover-preview card. Without a pointer, the link leads to the entry.
  function setupCitations() {
    var card = null;
    function entries(citation) {
      return (citation.dataset.cites || "").split(" ").map(function (key) {
        var item = document.getElementById("ref-" + key);
        return item && item.querySelector(".bib-text");
      }).filter(Boolean);
    }
    function show(citation) {
      var found = entries(citation);
      if (!found.length) return;
      if (!card) card = tooltipCard("preview-card cite-card", "kbsite-cite-preview");
      card.replaceChildren();
      found.forEach(function (text) {
        var copy = text.cloneNode(true);
        copy.querySelectorAll(".bib-cited-by").forEach(function (a) { a.remove(); });
        copy.className = "cite-card-entry";
        card.appendChild(copy);
      });
      placeBelow(card, citation, 8);
      citation.querySelector("a").setAttribute("aria-describedby", card.id);
    }
    function hide() { if (card) card.hidden = true; }
    ["mouseover", "focusin"].forEach(function (name) {
      document.addEventListener(name, function (event) {
        var citation = event.target.closest && event.target.closest(".citation[data-cites]");
        if (citation) show(citation);
      });
    });
    ["mouseout", "focusout"].forEach(function (name) {
      document.addEventListener(name, function (event) {
        if (event.target.closest && event.target.closest(".citation[data-cites]")) hide();
      });
    });
    document.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });
  }

  // /papers/: the venue chips filter the list in place; without JavaScript they stay hidden
  // and every paper is listed.
  function setupVenueFilter() {
    var filter = document.querySelector(".venue-filter");
    if (!filter) return;
    filter.hidden = false;
    filter.addEventListener("click", function (event) {
      var chip = event.target.closest(".venue-chip");
      if (!chip) return;
      var venue = chip.dataset.venue;
      filter.querySelectorAll(".venue-chip").forEach(function (c) { c.setAttribute("aria-pressed", String(c === chip)); });
      document.querySelectorAll(".paper-year").forEach(function (year) {
        var shown = 0;
        year.querySelectorAll(".paper-item").forEach(function (item) {
          item.hidden = Boolean(venue) && item.dataset.venue !== venue;
          if (!item.hidden) shown += 1;
        });
        year.hidden = shown === 0;
      });
    });
  }
})();
