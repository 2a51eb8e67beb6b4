/* seshis report page. Reads the report from the JSON block, builds the sections with
   textContent only (no HTML from data), draws the charts with Chart.js and the tables with
   Grid.js. The view (a station's or a driver's sessions) lives in the URL fragment. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("seshis-data").textContent);
  var h = gridjs.h;
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var grids = [];
  var charts = [];
  var sessionsGrid = null;
  var sessionRows = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function put(parent, child) {
    parent.appendChild(child);
    return child;
  }
  function link(kind, value) {
    var a = el("a", null, value === null ? "Unclaimed" : value);
    a.href = value === null ? "#unclaimed" : "#" + kind + "=" + encodeURIComponent(value);
    return a;
  }
  function section(id, title, navTitle) {
    var s = el("section");
    s.id = id;
    add(s, el("h2", null, title));
    document.getElementById("main").appendChild(s);
    var a = el("a", null, navTitle || title);
    a.href = "#" + id;
    document.getElementById("nav").appendChild(a);
    return s;
  }

  /* ---- tables ---------------------------------------------------------------------- */
  function value(cell) { return Array.isArray(cell) ? cell[0] : cell; }
  function text(cell) {
    if (Array.isArray(cell)) return cell[1];
    return cell === null || cell === undefined ? "" : String(cell);
  }
  function compareNumbers(a, b) {
    var x = value(a), y = value(b);
    if (x === y) return 0;
    if (x === null || x === undefined || x === "") return -1;
    if (y === null || y === undefined || y === "") return 1;
    return x < y ? -1 : 1;
  }
  function compareText(a, b) { return collator.compare(text(a), text(b)); }
  function showCell(kind, cell, mark) {
    if (kind === "station" || kind === "driver") {
      if (cell === null && kind === "station") return h("span", { className: "muted" }, "(no station)");
      var target = cell === null ? "#unclaimed" : "#" + kind + "=" + encodeURIComponent(cell);
      return h("a", { href: target, className: cell === null ? "muted" : mark }, cell === null ? "Unclaimed" : cell);
    }
    if (kind === "label") return h("span", { className: "label-" + cell }, cell);
    return mark ? h("span", { className: mark }, text(cell)) : text(cell);
  }
  function columnsOf(spec) {
    var last = spec.columns.length;
    var cols = spec.columns.map(function (c, i) {
      var kind = c[1];
      return {
        name: c[0] || " ",
        id: "c" + i,
        sort: { compare: kind === "num" ? compareNumbers : compareText },
        formatter: function (cell, row) { return showCell(kind, cell, row.cells[last].data); },
      };
    });
    cols.push({ name: "mark", id: "mark", hidden: true });
    return cols;
  }
  var FILTER_ROWS = 1; // every table of more than one row can be filtered
  function haystack(row) {
    var parts = [];
    for (var i = 0; i < row.length - 1; i++) parts.push(row[i] === null ? "unclaimed" : text(row[i]));
    return parts.join("\u0001").toLowerCase();
  }
  /* A sortable, paged Grid.js table with a text filter over every column; `narrow(rows)`
     filters first (a station's sessions). Returns a function that re-applies both. */
  function grid(host, spec, rows, limit) {
    var box = put(host, el("div", "filter"));
    if (rows.length <= FILTER_ROWS) box.hidden = true;
    var input = put(box, el("input", "gridjs-input"));
    input.type = "search";
    input.placeholder = "Filter the rows…";
    input.setAttribute("aria-label", "Filter the rows");
    var count = put(box, el("span", "muted"));
    var holder = put(host, el("div"));
    var texts = null;
    var state = { rows: rows, narrow: null };
    var g = new gridjs.Grid({
      columns: columnsOf(spec),
      data: rows,
      sort: true,
      pagination: rows.length > (limit || 25) ? { limit: limit || 25, summary: true } : false,
      autoWidth: false,
    });
    g.render(holder);
    grids.push(holder);
    function apply() {
      var words = input.value.trim().toLowerCase();
      var shown = state.rows;
      if (state.narrow) shown = shown.filter(state.narrow);
      if (words) {
        if (texts === null) { texts = new Map(); state.rows.forEach(function (r) { texts.set(r, haystack(r)); }); }
        shown = shown.filter(function (r) { return texts.get(r).indexOf(words) >= 0; });
      }
      count.textContent = shown.length === state.rows.length ? "" : shown.length.toLocaleString("en-US") + " of " + state.rows.length.toLocaleString("en-US") + " rows";
      g.updateConfig({ data: shown }).forceRender();
    }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(apply, state.rows.length > 5000 ? 250 : 60);
    });
    return function (narrow) { state.narrow = narrow; apply(); };
  }
  function table(parent, spec, limit) {
    var host = el("div", "grid-host");
    parent.appendChild(host);
    return grid(host, spec, spec.rows, limit);
  }

  /* ---- header, attention, health --------------------------------------------------- */
  function header() {
    var top = document.getElementById("top");
    add(top, el("h1", null, D.title), el("p", "site", D.site));
    if (D.driver !== null) add(top, el("p", "site", "Driver report: " + D.driver));
    add(top, el("p", null, D.window), el("p", "generated", D.generated));
    if (D.sync) add(top, el("p", "sync", D.sync));
  }
  function attention() {
    if (D.attention === null) return;
    var s = section("attention", "Needs attention");
    if (!D.attention.length) {
      add(s, el("p", "ok", "Nothing stands out: no station, driver or day fails more than the rest."));
      return;
    }
    var list = put(s, el("ul", "attention"));
    D.attention.forEach(function (a) {
      var item = el("li", a.mark);
      add(item, el("div", "what", a.text));
      var where = el("div", "where", a.where ? "Where to look: " + a.where + " " : "");
      if (a.link) {
        var go = el("a", null, "Show the sessions");
        go.href = a.link[0] === "unclaimed" ? "#unclaimed" : "#" + a.link[0] + "=" + encodeURIComponent(a.link[1]);
        where.appendChild(go);
      }
      list.appendChild(add(item, where));
    });
  }
  function summary() {
    var s = section("summary", D.driver === null ? "Site health" : "Driver summary", "Summary");
    if (D.health) {
      var cards = put(s, el("div", "cards"));
      D.health.forEach(function (c) {
        var card = el("div", "card " + c.mark);
        add(card, el("div", "name", c.name), el("div", "value", c.value));
        add(card, el("div", "status", c.status + " · " + c.target));
        if (c.before) {
          var trend = el("div", "trend", c.before + " ");
          if (c.change) trend.appendChild(el("span", c.worse === null ? "" : c.worse ? "worse" : "better", c.change));
          card.appendChild(trend);
        }
        cards.appendChild(card);
      });
    }
    if (D.driver_summary) {
      table(s, D.driver_summary, 20);
      if (D.driver_summary.attention) add(s, el("p", "sync", "Needs attention: " + D.driver_summary.attention));
    }
    add(s, el("h3", null, "Totals"));
    table(s, D.totals, 20);
    if (D.previous) add(s, el("p", "about", D.previous));
  }

  /* ---- charts --------------------------------------------------------------------- */
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function colour(key) {
    var base = String(key).replace(/_7D$/, "");
    if (base === "EMPTY" || base === "LOW") return css("--red");
    if (base === "MICRO" || base === "MED") return css("--amber");
    if (base === "NORMAL" || base === "HIGH") return css("--green");
    return css("--muted");
  }
  function chartConfig(c) {
    var labels = c.labels.map(function (l) { return l.indexOf("\n") >= 0 ? l.split("\n") : l; });
    var horizontal = c.name === "top_users" || c.name === "stations";
    var stacked = c.name === "daily_sessions" || c.name === "hourly" || c.name === "top_users";
    var type = c.name === "daily_rates" ? "line" : "bar";
    var series = c.name === "performance" ? c.series.slice(0, 1) : c.series;
    var datasets = series.map(function (s) {
      var seven = /_7D$/.test(s.key);
      var ds = {
        label: s.label, data: s.values, backgroundColor: colour(s.key), borderColor: colour(s.key),
        borderWidth: type === "line" ? (seven ? 2.5 : 1.5) : 0, pointRadius: type === "line" && !seven ? 2 : 0,
        spanGaps: false,
      };
      if (seven) ds.borderDash = [2, 2];
      return ds;
    });
    if (c.name === "performance") {
      datasets[0].backgroundColor = [css("--green"), css("--amber"), css("--red")];
    }
    if (type === "line") {
      c.targets.forEach(function (t) {
        var key = /^Empty/.test(t[0]) ? "EMPTY" : /^Micro/.test(t[0]) ? "MICRO" : "";
        datasets.push({
          label: t[0], data: c.labels.map(function () { return t[1]; }), borderColor: colour(key),
          backgroundColor: colour(key), borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0,
        });
      });
    }
    var ink = css("--ink"), rule = css("--rule");
    var axis = function (title, isStacked) {
      return { stacked: isStacked, ticks: { color: ink, maxRotation: 0, autoSkipPadding: 10 }, grid: { color: rule }, title: { display: !!title, text: title, color: ink } };
    };
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: horizontal ? "y" : "x",
      interaction: { mode: "index", intersect: false },
      scales: horizontal
        ? { x: axis(c.x_label, stacked), y: axis("", stacked) }
        : { x: axis(c.x_label, stacked), y: axis(c.y_label, stacked) },
      plugins: { legend: { position: "bottom", labels: { color: ink, boxWidth: 14 } }, tooltip: {} },
    };
    if (c.name === "performance") {
      var shares = c.series[1].values;
      options.plugins.tooltip.callbacks = {
        afterLabel: function (item) { return "% of normal sessions: " + shares[item.dataIndex].toFixed(1) + "%"; },
      };
      options.plugins.legend.display = false;
    }
    return { type: type, data: { labels: labels, datasets: datasets }, options: options };
  }
  function drawCharts() {
    charts.forEach(function (c) {
      if (c.chart) c.chart.destroy();
      if (!c.spec.note) c.chart = new Chart(c.canvas, chartConfig(c.spec));
    });
  }
  function chartSection() {
    if (!D.charts.length) return;
    var s = section("charts", "Charts");
    add(s, el("p", "about", "Hover for the values; click a legend entry to hide or show its series."));
    var grid = put(s, el("div", "charts"));
    D.charts.forEach(function (c) {
      var box = put(grid, el("div", "chart"));
      add(box, el("h3", null, c.title));
      if (c.note) { add(box, el("p", "muted", c.note)); return; }
      var holder = put(box, el("div", "canvas"));
      var bars = c.name === "top_users" || c.name === "stations" ? c.labels.length : 0;
      if (bars > 10) holder.style.height = 110 + 24 * bars + "px";
      var canvas = put(holder, el("canvas"));
      canvas.setAttribute("data-chart", c.name);
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", c.title);
      if (c.name === "stations" && c.targets.length) {
        add(box, el("p", "note", c.targets[0][0] + ": " + c.targets[0][1].toFixed(1) + "%"));
      }
      if (c.partial.length) add(box, el("p", "note", "Partly covered days: " + c.partial.join("; ")));
      charts.push({ spec: c, canvas: canvas, chart: null });
    });
    drawCharts();
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", drawCharts);
    }
  }

  /* ---- empty / micro, stations, drivers, unclaimed, sites, quality ----------------- */
  function categories() {
    D.categories.forEach(function (c) {
      var s = section(c.id, c.title);
      add(s, el("p", null, c.summary));
      add(s, el("p", "about", "Daily breakdown (red: days that miss the site health target)."));
      var pair = put(s, el("div", "pair"));
      table(put(pair, el("div")), c.daily, 31);
      var where = put(pair, el("div"));
      if (c.where.station || c.where.driver) {
        add(where, el("h3", null, "Where they happen: the stations and drivers with the most"));
        if (c.where.station) table(where, c.where.station, 10);
        if (c.where.driver) table(where, c.where.driver, 10);
      }
    });
  }
  function stations() {
    if (!D.stations) return;
    var s = section("stations", "Stations");
    add(s, el("p", "about", D.stations.about));
    if (!D.stations.table.rows.length) { add(s, el("p", null, "No stations in this date range.")); return; }
    D.stations.suspects.forEach(function (x) {
      var p = el("p", "sync");
      add(p, el("span", null, "SUSPECT "), link("station", x[0]), el("span", null, ": " + x[1]));
      s.appendChild(p);
    });
    if (!D.stations.suspects.length) add(s, el("p", "ok", "No station stands out from the rest of the site."));
    table(s, D.stations.table, 25);
  }
  function drivers() {
    if (D.no_drivers) {
      var n = section("drivers", "Drivers");
      add(n, el("p", null, "No driver data: these sessions do not say who charged (and none is unclaimed)."));
      return;
    }
    if (!D.drivers) return;
    var s = section("drivers", "Drivers (" + D.drivers.count.toLocaleString("en-US") + ")", "Drivers");
    add(s, el("p", "about", D.drivers.about));
    table(s, D.drivers.table, 25);
  }
  function unclaimed() {
    if (!D.unclaimed) return;
    var s = section("unclaimed-sessions", "Unclaimed sessions", "Unclaimed");
    add(s, el("p", null, D.unclaimed.about), el("p", null, D.unclaimed.figures));
    var go = el("a", null, "Show the unclaimed sessions");
    go.href = "#unclaimed";
    add(s, add(el("p"), go));
  }
  function sites() {
    if (!D.sites || D.sites.count < 2) return; // a network's sites, worst first
    var s = section("sites", "Sites");
    table(s, D.sites.table, 25);
  }
  function quality() {
    var s = section("quality", "Data quality");
    if (D.sync) add(s, el("p", "sync", D.sync));
    if (!D.quality.length) { add(s, el("p", "ok", "Every row was valid; no duplicate merged.")); return; }
    var list = put(s, el("ul", "quality"));
    D.quality.forEach(function (q) { list.appendChild(el("li", q[0], q[1])); });
  }

  /* ---- sessions ------------------------------------------------------------------- */
  var SESSION_SPEC = {
    columns: [["Start", "text"], ["Station", "station"], ["Space", "text"], ["Driver", "driver"],
      ["Duration", "num"], ["kWh", "num"], ["Avg A", "num"], ["Label", "label"], ["Session ID", "text"]],
  };
  function duration(hours) {
    if (hours === null) return "";
    var seconds = hours * 3600; // the report's style: 35.0s, 12.5m, 4.3h
    if (seconds < 60) return seconds.toFixed(1) + "s";
    if (seconds < 3600) return (seconds / 60).toFixed(1) + "m";
    return hours.toFixed(1) + "h";
  }
  function rowsOf(S) {
    var base = Date.parse(S.base.replace(" ", "T") + "Z");
    var rows = new Array(S.start.length);
    for (var i = 0; i < S.start.length; i++) {
      var start = new Date(base + S.start[i] * 1000).toISOString().slice(0, 19).replace("T", " ");
      var label = S.labels[S.label[i]];
      var k = S.kwh[i], a = S.amps[i];
      rows[i] = [start, S.stations[S.station[i]], S.spaces[S.space[i]] || "", S.drivers[S.driver[i]],
        [S.hours[i], duration(S.hours[i])], [k, k === null ? "" : String(k)],
        [a, a === null ? "" : a.toFixed(1)], label, S.id[i], S.marks[label]];
    }
    return rows;
  }
  function sessions() {
    var S = D.sessions;
    var s = section("sessions", "Sessions");
    var about = S.total.toLocaleString("en-US") + " sessions, oldest first; sort by any column, filter by any text.";
    add(s, el("p", "about", about));
    if (S.shown < S.total) {
      add(s, el("p", "capped", "This page lists the most recent " + S.shown.toLocaleString("en-US") + " of " +
        S.total.toLocaleString("en-US") + " sessions; the CSV and XLSX exports (seshis --all --csv, --xlsx) have them all."));
    }
    var bar = put(s, el("div", "filter"));
    var what = put(bar, el("span", "label", "Every session"));
    var clear = put(bar, el("a", null, "Show every session"));
    clear.href = "#sessions";
    clear.hidden = true;
    if (!S.shown) { add(s, el("p", null, "No sessions in this date range.")); return; }
    sessionRows = rowsOf(S);
    var host = put(s, el("div", "grid-host"));
    host.id = "sessions-table";
    sessionsGrid = grid(host, SESSION_SPEC, sessionRows, 50);
    sessions.show = function (view) {
      var rows = sessionRows, title = "Every session";
      if (view) {
        var n = 0;
        for (var i = 0; i < rows.length; i++) if (view.test(rows[i])) n++;
        title = view.title + " (" + n.toLocaleString("en-US") + ")";
      }
      what.textContent = title;
      clear.hidden = !view;
      sessionsGrid(view ? view.test : null);
    };
  }
  function viewOf(hash) {
    var q = new URLSearchParams(hash.replace(/^#/, ""));
    if (q.has("station")) {
      var st = q.get("station");
      return { title: "Sessions at station " + st, test: function (r) { return r[1] === st; } };
    }
    if (q.has("driver")) {
      var dr = q.get("driver");
      return { title: "Sessions of " + dr, test: function (r) { return r[3] === dr; } };
    }
    if (q.has("day")) {
      var day = q.get("day");
      return { title: "Sessions on " + day, test: function (r) { return r[0].slice(0, 10) === day; } };
    }
    if (q.has("unclaimed")) return { title: "Unclaimed sessions", test: function (r) { return r[3] === null; } };
    return null;
  }
  var current = null;
  function follow() {
    var view = viewOf(location.hash);
    var key = view ? location.hash : null;
    if (!sessions.show || key === current) return;
    if (view || current !== null) sessions.show(view);
    current = key;
    if (view) document.getElementById("sessions").scrollIntoView();
  }

  function ready() {
    var hosts = document.querySelectorAll(".grid-host");
    var done = document.querySelectorAll(".grid-host .gridjs-table");
    if (done.length >= hosts.length) {
      document.documentElement.setAttribute("data-ready", "1");
    } else {
      requestAnimationFrame(ready);
    }
  }

  header();
  attention();
  summary();
  sites();
  chartSection();
  categories();
  stations();
  drivers();
  unclaimed();
  sessions();
  quality();
  var foot = el("footer", null, "seshis · charts by Chart.js, tables by Grid.js, both inside this file: it loads nothing from the network.");
  document.getElementById("main").appendChild(foot);
  window.addEventListener("hashchange", follow);
  follow();
  ready();
})();
