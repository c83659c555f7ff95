// The dashboard's script: a small crossfilter over columnar data, drawn as SVG/HTML.
// Every string from the API reaches the page through textContent or a checked http(s)
// href, never through innerHTML: titles and names are data, not markup.
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("dashboard-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const EV = DATA.events;
  const N = EV.m.length;
  const M = Int16Array.from(EV.m), D = Int8Array.from(EV.d), WD = Int8Array.from(EV.w);
  const HR = Int8Array.from(EV.h), G = Int32Array.from(EV.g), V = Int32Array.from(EV.v);
  const C = Int32Array.from(EV.c), R = Int32Array.from(EV.r), Q = Int32Array.from(EV.q);
  const K = Int8Array.from(EV.k), T = Int32Array.from(EV.t);
  const NM = DATA.months.length, NG = DATA.groups.name.length, NV = DATA.venues.name.length;
  const NC = DATA.cities.length, NW = DATA.words.length, NT = DATA.titles.length;
  const BIT = { range: 1, group: 2, venue: 4, city: 8, mode: 16, word: 32, slot: 64 };
  const MODE_COLORS = ["#e0245e", "#6366f1", "#f59e0b"];
  const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const fmt = new Intl.NumberFormat("en-US");
  const fmt1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const compact = new Intl.NumberFormat("en-US", { notation: "compact" });

  const state = {
    range: null, group: new Set(), venue: new Set(), city: -1, mode: new Set(),
    word: -1, slot: -1, sort: { key: "events", dir: -1 },
  };
  const fail = new Uint8Array(N);

  // ---- small DOM helpers --------------------------------------------------------------
  function h(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }
  function s(tag, attrs, parent, text) {
    const node = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (parent) parent.appendChild(node);
    return node;
  }
  function tip(node, text) { s("title", {}, node, text); return node; }
  function safeUrl(raw) {
    if (!raw) return null;
    try {
      const u = new URL(raw);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
    } catch (e) { return null; }
  }
  function link(parent, raw, text, cls) {
    const href = safeUrl(raw);
    const node = href
      ? h("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, parent, text)
      : h("span", {}, parent, text);
    if (cls) node.className = cls;
    return node;
  }
  function monthLabel(i) {
    const [y, m] = DATA.months[i].split("-");
    return MONTHS[+m - 1] + " " + y;
  }
  function eventUrl(i) {
    const u = EV.url[i];
    if (u !== 0) return u;
    return "https://www.meetup.com/" + encodeURIComponent(DATA.groups.urlname[G[i]]) +
      "/events/" + encodeURIComponent(EV.id[i]) + "/";
  }
  function body(view) {
    const node = document.querySelector('[data-view="' + view + '"] .body');
    node.replaceChildren();
    return node;
  }
  function setTotal(view, total, marks) {
    const card = document.querySelector('[data-view="' + view + '"]');
    card.dataset.total = String(total);
    card.dataset.marks = String(marks);
  }
  function niceTicks(max) {
    const raw = Math.max(1, max) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw))), n = raw / mag;
    const step = Math.max(1, (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag);
    const out = [];
    for (let v = 0; v <= max + step - 1e-9; v += step) out.push(v);
    return out;
  }
  function yAxis(g, ticks, iw, y) {
    const grid = s("g", { class: "grid" }, g);
    for (const v of ticks) {
      s("line", { x1: 0, x2: iw, y1: y(v), y2: y(v) }, grid);
      s("text", { x: -6, y: y(v) + 4, "text-anchor": "end" }, grid, compact.format(v));
    }
  }
  function toggle(set, key) { if (set.has(key)) set.delete(key); else set.add(key); update(); }
  function widthOf(node, fallback) { return Math.max(240, node.clientWidth || fallback); }

  // ---- filtering ----------------------------------------------------------------------
  let wordTitles = null;
  function computeFail() {
    wordTitles = null;
    if (state.word >= 0) {
      wordTitles = new Uint8Array(NT);
      DATA.titleWords.forEach((ws, t) => { if (ws.indexOf(state.word) >= 0) wordTitles[t] = 1; });
    }
    const r = state.range, gs = state.group, vs = state.venue, ms = state.mode;
    const city = state.city, slot = state.slot;
    for (let i = 0; i < N; i++) {
      let f = 0;
      if (r && (M[i] < r[0] || M[i] > r[1])) f |= BIT.range;
      if (gs.size && !gs.has(G[i])) f |= BIT.group;
      if (vs.size && !vs.has(V[i])) f |= BIT.venue;
      if (city >= 0 && C[i] !== city) f |= BIT.city;
      if (ms.size && !ms.has(K[i])) f |= BIT.mode;
      if (wordTitles && !wordTitles[T[i]]) f |= BIT.word;
      if (slot >= 0 && WD[i] * 24 + HR[i] !== slot) f |= BIT.slot;
      fail[i] = f;
    }
  }
  function countBy(own, key, size, weight) {
    const out = new Float64Array(size), mask = ~own;
    for (let i = 0; i < N; i++) {
      if (fail[i] & mask) continue;
      const k = key[i];
      if (k >= 0) out[k] += weight ? weight[i] : 1;
    }
    return out;
  }
  function top(counts, n) {
    const idx = [];
    for (let i = 0; i < counts.length; i++) if (counts[i] > 0) idx.push(i);
    idx.sort((a, b) => counts[b] - counts[a] || a - b);
    return idx.slice(0, n);
  }

  // ---- views --------------------------------------------------------------------------
  function kpis() {
    let events = 0, rsvps = 0, wait = 0;
    const groups = new Set(), venues = new Set();
    for (let i = 0; i < N; i++) {
      if (fail[i]) continue;
      events++; rsvps += R[i]; wait += Q[i]; groups.add(G[i]);
      if (V[i] >= 0) venues.add(V[i]);
    }
    const vals = {
      events: fmt.format(events), groups: fmt.format(groups.size), rsvps: fmt.format(rsvps),
      avg: events ? fmt1.format(rsvps / events) : "–", waitlist: fmt.format(wait),
      venues: fmt.format(venues.size),
    };
    for (const k in vals) document.querySelector('[data-kpi="' + k + '"] .v').textContent = vals[k];
    document.querySelector(".kpis").dataset.events = String(events);
  }

  function timeline() {
    const el = body("timeline");
    const counts = countBy(BIT.range, M, NM);
    const width = widthOf(el, 1000), height = 190, pad = { l: 40, r: 8, t: 8, b: 24 };
    const iw = width - pad.l - pad.r, ih = height - pad.t - pad.b;
    const ticks = niceTicks(Math.max(1, ...counts)), max = ticks[ticks.length - 1], bw = iw / NM;
    const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "Events per month" }, el);
    const g = s("g", { transform: "translate(" + pad.l + "," + pad.t + ")" }, svg);
    yAxis(g, ticks, iw, (v) => ih - (ih * v) / max);
    const yearEvery = Math.max(1, Math.ceil(((NM / 12) * 44) / iw));
    let marks = 0, total = 0;
    for (let m = 0; m < NM; m++) {
      const [yy, mm] = DATA.months[m].split("-");
      if (NM <= 12 ? true : mm === "01" && +yy % yearEvery === 0) {
        s("text", { x: m * bw + (NM <= 12 ? bw / 2 : 0), y: ih + 16, "text-anchor": NM <= 12 ? "middle" : "start" }, g, NM <= 12 ? monthLabel(m) : yy);
      }
      if (!counts[m]) continue;
      const bh = (ih * counts[m]) / max;
      const inRange = !state.range || (m >= state.range[0] && m <= state.range[1]);
      const bar = s("rect", {
        class: "bar mark" + (inRange ? "" : " off"), x: m * bw + 0.5, y: ih - bh,
        width: Math.max(1, bw - 1), height: bh,
      }, g);
      tip(bar, monthLabel(m) + ": " + fmt.format(counts[m]) + " events");
      marks++; total += counts[m];
    }
    const brush = s("rect", { class: "brush", x: 0, y: 0, width: 0, height: ih }, g);
    const showBrush = (a, b) => {
      const lo = Math.min(a, b), hi = Math.max(a, b);
      brush.setAttribute("x", lo * bw); brush.setAttribute("width", (hi - lo + 1) * bw);
    };
    if (state.range) showBrush(state.range[0], state.range[1]);
    const overlay = s("rect", { class: "overlay", x: 0, y: 0, width: iw, height: ih }, g);
    const at = (ev) => {
      const box = overlay.getBoundingClientRect();
      return Math.max(0, Math.min(NM - 1, Math.floor(((ev.clientX - box.left) / box.width) * NM)));
    };
    let start = null, startX = 0, moved = false;
    overlay.addEventListener("pointerdown", (ev) => {
      overlay.setPointerCapture(ev.pointerId);
      start = at(ev); startX = ev.clientX; moved = false; showBrush(start, start);
    });
    overlay.addEventListener("pointermove", (ev) => {
      if (start === null) return;
      if (Math.abs(ev.clientX - startX) > 3) moved = true;
      showBrush(start, at(ev));
    });
    overlay.addEventListener("pointerup", (ev) => {
      if (start === null) return;
      const end = at(ev);
      state.range = moved ? [Math.min(start, end), Math.max(start, end)] : null;
      start = null;
      update();
    });
    setTotal("timeline", total, marks);
  }

  function mapView() {
    const el = body("map");
    const counts = countBy(BIT.venue, V, NV);
    const lat = DATA.venues.lat, lon = DATA.venues.lon;
    const pts = [];
    for (let v = 0; v < NV; v++) if (lat[v] !== null && lon[v] !== null) pts.push(v);
    if (!pts.length) { h("div", { class: "empty-note" }, el, "No venue has coordinates."); setTotal("map", 0, 0); return; }
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const v of pts) { x0 = Math.min(x0, lon[v]); x1 = Math.max(x1, lon[v]); y0 = Math.min(y0, lat[v]); y1 = Math.max(y1, lat[v]); }
    const mx = Math.max(0.02, (x1 - x0) * 0.06), my = Math.max(0.02, (y1 - y0) * 0.06);
    x0 -= mx; x1 += mx; y0 -= my; y1 += my;
    const kx = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    const width = widthOf(el, 600), height = 380, pad = 24;
    const sx = (x1 - x0) * kx || 0.01, sy = y1 - y0 || 0.01;
    const scale = Math.min((width - 2 * pad) / sx, (height - 2 * pad) / sy);
    const ox = (width - sx * scale) / 2, oy = (height - sy * scale) / 2;
    const px = (x) => ox + (x - x0) * kx * scale, py = (y) => height - oy - (y - y0) * scale;
    const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "Map of event venues" }, el);
    s("rect", { class: "map-bg", x: 0.5, y: 0.5, width: width - 1, height: height - 1, rx: 10 }, svg);
    const clip = s("clipPath", { id: "map-clip" }, s("defs", {}, svg));
    s("rect", { x: 1, y: 1, width: width - 2, height: height - 2, rx: 10 }, clip);
    if (DATA.outline && DATA.outline.length) {
      // County shapes (US Census, public domain, via us-atlas): land, with the bay as water.
      let d = "";
      for (const ring of DATA.outline) {
        for (let j = 0; j < ring.length; j += 2) d += (j ? "L" : "M") + px(ring[j]).toFixed(1) + " " + py(ring[j + 1]).toFixed(1);
        d += "Z";
      }
      s("path", { class: "land", d: d, "clip-path": "url(#map-clip)" }, svg);
    }
    const grid = s("g", { "clip-path": "url(#map-clip)" }, svg);
    for (let x = Math.ceil(x0 * 4) / 4; x <= x1; x += 0.25) s("line", { class: "map-grid", x1: px(x), x2: px(x), y1: 0, y2: height }, grid);
    for (let y = Math.ceil(y0 * 4) / 4; y <= y1; y += 0.25) s("line", { class: "map-grid", x1: 0, x2: width, y1: py(y), y2: py(y) }, grid);
    const max = Math.max(1, ...counts);
    const order = pts.slice().sort((a, b) => counts[b] - counts[a]);
    let marks = 0, total = 0;
    const cityAt = {};
    for (const v of order) {
      const c = DATA.venues.city[v];
      if (c) { const a = cityAt[c] || (cityAt[c] = [0, 0, 0, 0]); a[0] += lon[v]; a[1] += lat[v]; a[2]++; a[3] += counts[v]; }
      if (!counts[v]) continue;
      const dot = s("circle", {
        class: "venue mark" + (state.venue.has(v) ? " sel" : ""), cx: px(lon[v]).toFixed(1),
        cy: py(lat[v]).toFixed(1), r: (2.5 + 13 * Math.sqrt(counts[v] / max)).toFixed(1),
      }, svg);
      tip(dot, DATA.venues.name[v] + " (" + c + "): " + fmt.format(counts[v]) + " events");
      dot.addEventListener("click", () => toggle(state.venue, v));
      marks++; total += counts[v];
    }
    // Label the busiest cities at their venues' centroid, skipping labels that would collide.
    const placed = [];
    const cities = Object.keys(cityAt).sort((a, b) => cityAt[b][3] - cityAt[a][3] || cityAt[b][2] - cityAt[a][2]);
    for (const c of cities) {
      const a = cityAt[c], x = px(a[0] / a[2]), y = py(a[1] / a[2]) - 12, w = 6.2 * c.length + 6;
      if (placed.length >= 10 || placed.some((b) => Math.abs(b[0] - x) < (b[2] + w) / 2 && Math.abs(b[1] - y) < 14)) continue;
      placed.push([x, y, w]);
      s("text", { class: "city-label", x: x, y: y, "text-anchor": "middle" }, svg, c);
    }
    setTotal("map", total, marks);
  }

  function heat() {
    const el = body("heat");
    const counts = new Float64Array(168), mask = ~BIT.slot;
    for (let i = 0; i < N; i++) if (!(fail[i] & mask)) counts[WD[i] * 24 + HR[i]]++;
    const width = widthOf(el, 600), pad = { l: 34, t: 4, b: 22 };
    const cw = (width - pad.l) / 24, ch = Math.min(42, cw * 1.3), height = pad.t + ch * 7 + pad.b;
    const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "Events by weekday and hour" }, el);
    const max = Math.max(1, ...counts);
    let marks = 0, total = 0;
    for (let d = 0; d < 7; d++) {
      s("text", { x: pad.l - 6, y: pad.t + d * ch + ch / 2 + 4, "text-anchor": "end" }, svg, DAYS[d]);
      for (let hr = 0; hr < 24; hr++) {
        const k = d * 24 + hr, v = counts[k], t = Math.pow(v / max, 0.6);
        const cell = s("rect", {
          class: "cell" + (v ? " mark" : "") + (state.slot === k ? " sel" : ""),
          x: pad.l + hr * cw, y: pad.t + d * ch, width: cw, height: ch, rx: 3,
          fill: v ? mix([253, 231, 238], [157, 23, 77], t) : "#f8fafc",
        }, svg);
        tip(cell, DAYS[d] + " " + String(hr).padStart(2, "0") + ":00 – " + fmt.format(v) + " events");
        cell.addEventListener("click", () => { state.slot = state.slot === k ? -1 : k; update(); });
        if (v) { marks++; total += v; }
      }
    }
    for (let hr = 0; hr < 24; hr += 3) s("text", { x: pad.l + hr * cw + cw / 2, y: height - 6, "text-anchor": "middle" }, svg, hr === 0 ? "12a" : hr < 12 ? hr + "a" : hr === 12 ? "12p" : hr - 12 + "p");
    const scale = h("div", { class: "legend scale" }, el);
    h("span", {}, scale, "Fewer");
    for (let k = 0; k <= 4; k++) h("i", {}, scale).style.background = mix([253, 231, 238], [157, 23, 77], k / 4);
    h("span", {}, scale, "More (busiest hour: " + fmt.format(max) + " events)");
    setTotal("heat", total, marks);
  }
  function mix(a, b, t) {
    return "rgb(" + a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(",") + ")";
  }

  function barList(view, own, key, size, names, set, extra) {
    const el = body(view);
    const counts = countBy(own, key, size);
    const ids = top(counts, 10), max = Math.max(1, ...ids.map((i) => counts[i]));
    const rows = h("div", { class: "rows" }, el);
    let total = 0;
    for (const i of ids) {
      const row = h("div", { class: "row mark" + (set.has(i) ? " sel" : set.size ? " dim" : ""), role: "button", tabindex: "0" }, rows);
      const lab = h("span", { class: "lab" }, row, names[i]);
      lab.title = names[i] + (extra ? " · " + extra(i) : "");
      const fill = h("div", { class: "fill" }, h("div", { class: "track" }, row));
      fill.style.width = ((100 * counts[i]) / max).toFixed(1) + "%";
      h("span", { class: "num" }, row, fmt.format(counts[i]));
      row.addEventListener("click", () => toggle(set, i));
      row.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(set, i); } });
      total += counts[i];
    }
    if (!ids.length) h("div", { class: "empty-note" }, el, "Nothing matches the filters.");
    setTotal(view, total, ids.length);
  }

  function modes() {
    const el = body("modes");
    const counts = countBy(BIT.mode, K, 3), sum = counts[0] + counts[1] + counts[2];
    const wrap = h("div", { class: "donut-wrap" }, el);
    const size = 150, r = 70, ri = 46;
    const svg = s("svg", { width: size, height: size, role: "img", "aria-label": "Online vs in person" }, wrap);
    const g = s("g", { transform: "translate(" + size / 2 + "," + size / 2 + ")" }, svg);
    let a0 = -Math.PI / 2, marks = 0;
    const legend = h("div", { class: "legend" }, wrap);
    DATA.modes.forEach((name, k) => {
      const share = sum ? counts[k] / sum : 0;
      const item = h("div", {}, legend);
      h("i", {}, item).style.background = MODE_COLORS[k];
      item.appendChild(document.createTextNode(name + " · " + (100 * share).toFixed(1) + "%"));
      if (!counts[k]) return;
      const a1 = a0 + share * 2 * Math.PI - (share === 1 ? 1e-6 : 0);
      const large = a1 - a0 > Math.PI ? 1 : 0;
      const p = (rad, ang) => (rad * Math.cos(ang)).toFixed(2) + " " + (rad * Math.sin(ang)).toFixed(2);
      const arc = s("path", {
        class: "arc mark" + (state.mode.size && !state.mode.has(k) ? " dim" : ""), fill: MODE_COLORS[k],
        d: "M" + p(r, a0) + "A" + r + " " + r + " 0 " + large + " 1 " + p(r, a1) + "L" + p(ri, a1) + "A" + ri + " " + ri + " 0 " + large + " 0 " + p(ri, a0) + "Z",
      }, g);
      tip(arc, name + ": " + fmt.format(counts[k]) + " events");
      arc.addEventListener("click", () => toggle(state.mode, k));
      a0 = a1; marks++;
    });
    s("text", { class: "big", "text-anchor": "middle", y: 4 }, g, sum ? Math.round((100 * (counts[1] + counts[2])) / sum) + "%" : "–");
    s("text", { "text-anchor": "middle", y: 20 }, g, "online");
    setTotal("modes", sum, marks);
  }

  function trend() {
    const el = body("trend");
    const rs = countBy(0, M, NM, R), qs = countBy(0, M, NM, Q);
    const lo = state.range ? state.range[0] : 0, hi = state.range ? state.range[1] : NM - 1;
    const n = hi - lo + 1, width = widthOf(el, 600), height = 200, pad = { l: 44, r: 8, t: 8, b: 22 };
    const iw = width - pad.l - pad.r, ih = height - pad.t - pad.b;
    let peak = 1, total = 0;
    for (let m = lo; m <= hi; m++) { peak = Math.max(peak, rs[m], qs[m]); total += rs[m] + qs[m]; }
    const ticks = niceTicks(peak), max = ticks[ticks.length - 1];
    const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "RSVPs and waitlists per month" }, el);
    const g = s("g", { transform: "translate(" + pad.l + "," + pad.t + ")" }, svg);
    const x = (m) => (n === 1 ? iw / 2 : ((m - lo) / (n - 1)) * iw), y = (v) => ih - (ih * v) / max;
    yAxis(g, ticks, iw, y);
    const every = Math.max(1, Math.ceil(n / 8));
    for (let m = lo; m <= hi; m += every) s("text", { x: x(m), y: ih + 16, "text-anchor": "middle" }, g, monthLabel(m));
    let marks = 0;
    [[rs, "#e0245e", "RSVPs (yes)"], [qs, "#6366f1", "Waitlisted"]].forEach(([vals, color, name]) => {
      let d = "";
      for (let m = lo; m <= hi; m++) d += (m === lo ? "M" : "L") + x(m).toFixed(1) + " " + y(vals[m]).toFixed(1);
      s("path", { d: d + "L" + x(hi).toFixed(1) + " " + ih + "L" + x(lo).toFixed(1) + " " + ih + "Z", fill: color, "fill-opacity": 0.08 }, g);
      tip(s("path", { class: "mark", d: d, fill: "none", stroke: color, "stroke-width": 2, "stroke-linejoin": "round" }, g), name);
      marks++;
    });
    const legend = h("div", { class: "legend" }, el);
    [["#e0245e", "RSVPs (yes)"], ["#6366f1", "Waitlisted"]].forEach(([c, t]) => { const it = h("span", {}, legend); h("i", {}, it).style.background = c; it.appendChild(document.createTextNode(t)); });
    setTotal("trend", total, marks);
  }

  function cloud() {
    const el = body("words");
    const titleCount = new Float64Array(NT), mask = ~BIT.word;
    for (let i = 0; i < N; i++) if (!(fail[i] & mask)) titleCount[T[i]]++;
    const counts = new Float64Array(NW);
    DATA.titleWords.forEach((ws, t) => { const c = titleCount[t]; if (c) for (const w of ws) counts[w] += c; });
    const ids = top(counts, 50);
    const max = Math.max(1, ...ids.map((i) => counts[i])), min = Math.min(...ids.map((i) => counts[i]));
    const box = h("div", { class: "cloud" }, el);
    const shades = ["#9d174d", "#e0245e", "#6d28d9", "#4f46e5", "#be185d", "#7c3aed"];
    const hash = (w) => { let x = 7; for (let j = 0; j < w.length; j++) x = (x * 31 + w.charCodeAt(j)) >>> 0; return x; };
    let total = 0;
    ids.slice().sort((a, b) => hash(DATA.words[a]) - hash(DATA.words[b])).forEach((w, j) => {
      const t = max === min ? 1 : Math.sqrt((counts[w] - min) / (max - min));
      const span = h("span", { class: "mark" + (state.word === w ? " sel" : ""), role: "button", tabindex: "0" }, box, DATA.words[w]);
      span.style.fontSize = (12 + 26 * t).toFixed(1) + "px";
      span.style.color = shades[j % shades.length];
      span.style.opacity = String(0.55 + 0.45 * t);
      span.title = DATA.words[w] + ": " + fmt.format(counts[w]) + " events";
      span.addEventListener("click", () => { state.word = state.word === w ? -1 : w; update(); });
      total += counts[w];
    });
    if (!ids.length) h("div", { class: "empty-note" }, el, "No words for these filters.");
    setTotal("words", total, ids.length);
  }

  function topEvents() {
    const el = body("events");
    const idx = [];
    for (let i = 0; i < N; i++) if (!fail[i]) idx.push(i);
    idx.sort((a, b) => R[b] - R[a] || b - a);
    const best = idx.slice(0, 10), max = Math.max(1, ...best.map((i) => R[i]));
    const rows = h("div", { class: "rows events" }, el);
    best.forEach((i, j) => {
      const row = h("div", { class: "row mark" }, rows);
      h("span", { class: "rank" }, row, j + 1);
      const cell = h("div", {}, row);
      link(cell, eventUrl(i), DATA.titles[T[i]], "title");
      h("span", { class: "meta" }, cell, DATA.groups.name[G[i]] + " · " + D[i] + " " + monthLabel(M[i]) + " · " + DATA.cities[C[i]]);
      h("div", { class: "fill" }, h("div", { class: "track" }, row)).style.width = ((100 * R[i]) / max).toFixed(1) + "%";
      h("span", { class: "num" }, row, fmt.format(R[i]));
    });
    if (!best.length) h("div", { class: "empty-note" }, el, "Nothing matches the filters.");
    setTotal("events", best.reduce((a, i) => a + R[i], 0), best.length);
  }

  function groupTable() {
    const el = body("table");
    const ev = countBy(0, G, NG), rs = countBy(0, G, NG, R);
    const rows = [];
    for (let g = 0; g < NG; g++) if (ev[g]) rows.push({ g: g, name: DATA.groups.name[g], events: ev[g], rsvps: rs[g], avg: rs[g] / ev[g] });
    const { key, dir } = state.sort;
    rows.sort((a, b) => (key === "name" ? a.name.localeCompare(b.name) : a[key] - b[key]) * dir || a.g - b.g);
    const wrap = h("div", { class: "table-scroll" }, el);
    const table = h("table", { class: "groups" }, wrap);
    const head = h("tr", {}, h("thead", {}, table));
    [["name", "Group", ""], ["rsvps", "Total RSVPs", "n"], ["events", "Events", "n"], ["avg", "Avg RSVPs / event", "n"]].forEach(([k, label, cls]) => {
      const th = h("th", { class: cls, "data-key": k }, head);
      if (key === k) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      const btn = h("button", { type: "button" }, th, label + (key === k ? (dir > 0 ? " ▲" : " ▼") : ""));
      btn.addEventListener("click", () => {
        state.sort = { key: k, dir: key === k ? -dir : k === "name" ? 1 : -1 };
        groupTable();
      });
    });
    const tbody = h("tbody", {}, table);
    for (const r of rows) {
      const tr = h("tr", { class: "mark" }, tbody);
      link(h("td", {}, tr), DATA.groups.url[r.g], r.name);
      h("td", { class: "n" }, tr, fmt.format(r.rsvps));
      h("td", { class: "n" }, tr, fmt.format(r.events));
      h("td", { class: "n" }, tr, fmt1.format(r.avg));
    }
    setTotal("table", rows.reduce((a, r) => a + r.events, 0), rows.length);
  }

  function upcoming() {
    const el = body("upcoming");
    const list = DATA.upcoming.filter((u) =>
      (state.city < 0 || u.city === state.city) &&
      (!state.group.size || state.group.has(u.g)) &&
      (!state.mode.size || state.mode.has(u.online ? 1 : 0))).slice(0, 12);
    const rows = h("div", { class: "rows up" }, el);
    for (const u of list) {
      const row = h("div", { class: "row mark" }, rows);
      // Bay Area wall time as given: parsed by hand, so the viewer's zone never shifts it.
      const [y, mo, d] = u.when.slice(0, 10).split("-").map(Number);
      const wd = (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7;
      const chip = h("div", { class: "date-chip" }, row, DAYS[wd] + " " + u.when.slice(11, 16));
      h("b", {}, chip, MONTHS[mo - 1] + " " + d);
      const cell = h("div", {}, row);
      link(cell, u.url, u.title, "title");
      h("span", { class: "meta" }, cell, [u.group, u.online ? "Online" : u.venue, u.cityName].filter(Boolean).join(" · "));
      h("span", { class: "num" }, row, fmt.format(u.rsvp));
    }
    if (!list.length) h("div", { class: "empty-note" }, el, "No upcoming events match the filters.");
    setTotal("upcoming", list.length, list.length);
  }

  function citySelect() {
    const sel = document.getElementById("city");
    const counts = countBy(BIT.city, C, NC);
    sel.replaceChildren();
    h("option", { value: "-1" }, sel, "All cities");
    const order = [...Array(NC).keys()].sort((a, b) => counts[b] - counts[a] || DATA.cities[a].localeCompare(DATA.cities[b]));
    for (const c of order) {
      const opt = h("option", { value: String(c) }, sel, DATA.cities[c] + " (" + fmt.format(counts[c]) + ")");
      if (c === state.city) opt.selected = true;
    }
  }

  function chips() {
    const box = document.getElementById("chips");
    box.replaceChildren();
    const add = (text, clear) => {
      const chip = h("button", { type: "button", class: "chip" }, box, text + "  ×");
      chip.addEventListener("click", () => { clear(); update(); });
    };
    if (state.range) add(monthLabel(state.range[0]) + " – " + monthLabel(state.range[1]), () => { state.range = null; });
    if (state.city >= 0) add("City: " + DATA.cities[state.city], () => { state.city = -1; });
    state.group.forEach((g) => add("Group: " + DATA.groups.name[g], () => state.group.delete(g)));
    state.venue.forEach((v) => add("Venue: " + DATA.venues.name[v], () => state.venue.delete(v)));
    state.mode.forEach((k) => add(DATA.modes[k], () => state.mode.delete(k)));
    if (state.word >= 0) add("Word: " + DATA.words[state.word], () => { state.word = -1; });
    if (state.slot >= 0) add(DAYS[Math.floor(state.slot / 24)] + " " + (state.slot % 24) + ":00", () => { state.slot = -1; });
    document.getElementById("reset").disabled = !box.childElementCount;
  }

  function update() {
    computeFail();
    chips(); citySelect(); kpis(); timeline(); mapView(); heat();
    barList("groups", BIT.group, G, NG, DATA.groups.name, state.group);
    barList("venues", BIT.venue, V, NV, DATA.venues.name, state.venue, (v) => DATA.venues.city[v]);
    modes(); trend(); cloud(); topEvents(); groupTable(); upcoming();
    document.body.dataset.ready = "1";
  }

  document.getElementById("city").addEventListener("change", (ev) => { state.city = +ev.target.value; update(); });
  document.getElementById("reset").addEventListener("click", () => {
    Object.assign(state, { range: null, city: -1, word: -1, slot: -1 });
    state.group.clear(); state.venue.clear(); state.mode.clear();
    update();
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(update, 150); });
  update();
})();
