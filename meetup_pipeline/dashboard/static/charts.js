// The SVG views: KPIs, events per month (with the brush), map, heat map, trend.
// One of the page script's parts, joined in order inside one function scope by render.py.
// ---- views --------------------------------------------------------------------------
function kpis() {
  let events = 0,
    rsvps = 0,
    wait = 0;
  const groups = new Set(),
    venues = new Set();
  for (let i = 0; i < N; i++) {
    if (fail[i]) continue;
    events++;
    rsvps += R[i];
    wait += Q[i];
    groups.add(G[i]);
    if (V[i] >= 0) venues.add(V[i]);
  }
  const vals = {
    events: fmt.format(events),
    groups: fmt.format(groups.size),
    rsvps: fmt.format(rsvps),
    avg: events ? fmt1.format(rsvps / events) : "–",
    waitlist: fmt.format(wait),
    venues: fmt.format(venues.size),
  };
  for (const k in vals) document.querySelector('[data-kpi="' + k + '"] .v').textContent = vals[k];
  document.querySelector(".kpis").dataset.events = String(events);
}

function timeline() {
  const el = body("timeline");
  const counts = countBy(BIT.range, M, NM);
  const width = widthOf(el, 1000),
    height = 190,
    pad = { l: 40, r: 8, t: 8, b: 24 };
  const iw = width - pad.l - pad.r,
    ih = height - pad.t - pad.b;
  const ticks = niceTicks(Math.max(1, ...counts)),
    max = ticks[ticks.length - 1],
    bw = iw / NM;
  const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "Events per month" }, el);
  const g = s("g", { transform: "translate(" + pad.l + "," + pad.t + ")" }, svg);
  yAxis(g, ticks, iw, (v) => ih - (ih * v) / max);
  const yearEvery = Math.max(1, Math.ceil(((NM / 12) * 44) / iw));
  let marks = 0,
    total = 0;
  for (let m = 0; m < NM; m++) {
    const [yy, mm] = DATA.months[m].split("-");
    if (NM <= 12 ? true : mm === "01" && +yy % yearEvery === 0) {
      s(
        "text",
        { x: m * bw + (NM <= 12 ? bw / 2 : 0), y: ih + 16, "text-anchor": NM <= 12 ? "middle" : "start" },
        g,
        NM <= 12 ? monthLabel(m) : yy,
      );
    }
    if (!counts[m]) continue;
    const bh = (ih * counts[m]) / max;
    const inRange = !state.range || (m >= state.range[0] && m <= state.range[1]);
    const bar = s(
      "rect",
      {
        class: "bar mark" + (inRange ? "" : " off"),
        x: m * bw + 0.5,
        y: ih - bh,
        width: Math.max(1, bw - 1),
        height: bh,
      },
      g,
    );
    tip(bar, monthLabel(m) + ": " + fmt.format(counts[m]) + " events");
    marks++;
    total += counts[m];
  }
  const brush = s("rect", { class: "brush", x: 0, y: 0, width: 0, height: ih }, g);
  const showBrush = (a, b) => {
    const lo = Math.min(a, b),
      hi = Math.max(a, b);
    brush.setAttribute("x", lo * bw);
    brush.setAttribute("width", (hi - lo + 1) * bw);
  };
  if (state.range) showBrush(state.range[0], state.range[1]);
  const overlay = s("rect", { class: "overlay", x: 0, y: 0, width: iw, height: ih }, g);
  const at = (ev) => {
    const box = overlay.getBoundingClientRect();
    return Math.max(0, Math.min(NM - 1, Math.floor(((ev.clientX - box.left) / box.width) * NM)));
  };
  let start = null,
    startX = 0,
    moved = false;
  overlay.addEventListener("pointerdown", (ev) => {
    overlay.setPointerCapture(ev.pointerId);
    start = at(ev);
    startX = ev.clientX;
    moved = false;
    showBrush(start, start);
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
  const lat = DATA.venues.lat,
    lon = DATA.venues.lon;
  const pts = [];
  for (let v = 0; v < NV; v++) if (lat[v] !== null && lon[v] !== null) pts.push(v);
  if (!pts.length) {
    h("div", { class: "empty-note" }, el, "No venue has coordinates.");
    setTotal("map", 0, 0);
    return;
  }
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const v of pts) {
    x0 = Math.min(x0, lon[v]);
    x1 = Math.max(x1, lon[v]);
    y0 = Math.min(y0, lat[v]);
    y1 = Math.max(y1, lat[v]);
  }
  const mx = Math.max(0.02, (x1 - x0) * 0.06),
    my = Math.max(0.02, (y1 - y0) * 0.06);
  x0 -= mx;
  x1 += mx;
  y0 -= my;
  y1 += my;
  const kx = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
  const width = widthOf(el, 600),
    height = 380,
    pad = 24;
  const sx = (x1 - x0) * kx || 0.01,
    sy = y1 - y0 || 0.01;
  const scale = Math.min((width - 2 * pad) / sx, (height - 2 * pad) / sy);
  const ox = (width - sx * scale) / 2,
    oy = (height - sy * scale) / 2;
  const px = (x) => ox + (x - x0) * kx * scale,
    py = (y) => height - oy - (y - y0) * scale;
  const svg = s(
    "svg",
    { width: width, height: height, role: "img", "aria-label": "Map of event venues" },
    el,
  );
  s("rect", { class: "map-bg", x: 0.5, y: 0.5, width: width - 1, height: height - 1, rx: 10 }, svg);
  const clip = s("clipPath", { id: "map-clip" }, s("defs", {}, svg));
  s("rect", { x: 1, y: 1, width: width - 2, height: height - 2, rx: 10 }, clip);
  // Land from Natural Earth countries (clipped to the view when the page was built), with
  // county lines where the package has them: what lies outside the land really is sea.
  const outline = DATA.outline || { land: [], lines: [] };
  const ringsPath = (rings) => {
    let d = "";
    for (const ring of rings) {
      for (let j = 0; j < ring.length; j += 2)
        d += (j ? "L" : "M") + px(ring[j]).toFixed(1) + " " + py(ring[j + 1]).toFixed(1);
      d += "Z";
    }
    return d;
  };
  if (outline.land.length)
    s("path", { class: "land", d: ringsPath(outline.land), "clip-path": "url(#map-clip)" }, svg);
  if (outline.lines.length)
    s(
      "path",
      { class: "county-lines", d: ringsPath(outline.lines), "clip-path": "url(#map-clip)" },
      svg,
    );
  const grid = s("g", { "clip-path": "url(#map-clip)" }, svg);
  for (let x = Math.ceil(x0 * 4) / 4; x <= x1; x += 0.25)
    s("line", { class: "map-grid", x1: px(x), x2: px(x), y1: 0, y2: height }, grid);
  for (let y = Math.ceil(y0 * 4) / 4; y <= y1; y += 0.25)
    s("line", { class: "map-grid", x1: 0, x2: width, y1: py(y), y2: py(y) }, grid);
  const max = Math.max(1, ...counts);
  const order = pts.slice().sort((a, b) => counts[b] - counts[a]);
  let marks = 0,
    total = 0;
  const cityAt = {},
    dots = [];
  for (const v of order) {
    const c = DATA.venues.city[v];
    if (c) {
      const a = cityAt[c] || (cityAt[c] = [0, 0, 0, 0]);
      a[0] += lon[v];
      a[1] += lat[v];
      a[2]++;
      a[3] += counts[v];
    }
    if (!counts[v]) continue;
    const cx = px(lon[v]),
      cy = py(lat[v]),
      r = 2.5 + 13 * Math.sqrt(counts[v] / max);
    dots.push([cx, cy, r]);
    const dot = s(
      "circle",
      {
        class: "venue mark" + (state.venue.has(v) ? " sel" : ""),
        cx: cx.toFixed(1),
        cy: cy.toFixed(1),
        r: r.toFixed(1),
      },
      svg,
    );
    tip(dot, DATA.venues.name[v] + " (" + c + "): " + fmt.format(counts[v]) + " events");
    dot.addEventListener("click", () => toggle(state.venue, v));
    marks++;
    total += counts[v];
  }
  // Label the busiest cities near their venues' centroid, at the first spot (above, below,
  // right, left, then farther out) that covers no marker and no other label; else not at all.
  const labels = s("g", { class: "city-labels" }, svg);
  const placed = [];
  const hitsDot = (b) =>
    dots.some(([cx, cy, r]) => {
      const nx = Math.max(b[0], Math.min(cx, b[2])),
        ny = Math.max(b[1], Math.min(cy, b[3]));
      return (nx - cx) ** 2 + (ny - cy) ** 2 < (r + 1) ** 2;
    });
  const hitsLabel = (b) =>
    placed.some((o) => b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]);
  const cities = Object.keys(cityAt).sort(
    (a, b) => cityAt[b][3] - cityAt[a][3] || cityAt[b][2] - cityAt[a][2],
  );
  for (const c of cities) {
    if (placed.length >= 10) break;
    const a = cityAt[c],
      x = px(a[0] / a[2]),
      y = py(a[1] / a[2]),
      w = 6.2 * c.length + 6,
      hh = 14;
    const spots = [];
    for (const d of [14, 26, 40])
      spots.push([x, y - d], [x, y + d + hh / 2], [x + d + w / 2, y + 4], [x - d - w / 2, y + 4]);
    for (const [lx, ly] of spots) {
      const box = [lx - w / 2, ly - hh + 3, lx + w / 2, ly + 3];
      if (box[0] < 2 || box[2] > width - 2 || box[1] < 2 || box[3] > height - 2) continue;
      if (hitsDot(box) || hitsLabel(box)) continue;
      placed.push(box);
      s("text", { class: "city-label", x: lx.toFixed(1), y: ly.toFixed(1), "text-anchor": "middle" }, labels, c);
      break;
    }
  }
  setTotal("map", total, marks);
}

function heat() {
  const el = body("heat");
  const counts = new Float64Array(168),
    mask = ~BIT.slot;
  for (let i = 0; i < N; i++) if (!(fail[i] & mask)) counts[WD[i] * 24 + HR[i]]++;
  const width = widthOf(el, 600),
    pad = { l: 34, t: 4, b: 22 };
  const cw = (width - pad.l) / 24,
    ch = Math.min(42, cw * 1.3),
    height = pad.t + ch * 7 + pad.b;
  const svg = s(
    "svg",
    { width: width, height: height, role: "img", "aria-label": "Events by weekday and hour" },
    el,
  );
  const max = Math.max(1, ...counts);
  let marks = 0,
    total = 0;
  for (let d = 0; d < 7; d++) {
    s("text", { x: pad.l - 6, y: pad.t + d * ch + ch / 2 + 4, "text-anchor": "end" }, svg, DAYS[d]);
    for (let hr = 0; hr < 24; hr++) {
      const k = d * 24 + hr,
        v = counts[k],
        t = Math.pow(v / max, 0.6);
      const cell = s(
        "rect",
        {
          class: "cell" + (v ? " mark" : "") + (state.slot === k ? " sel" : ""),
          x: pad.l + hr * cw,
          y: pad.t + d * ch,
          width: cw,
          height: ch,
          rx: 3,
          fill: v ? mix([253, 231, 238], [157, 23, 77], t) : "#f8fafc",
        },
        svg,
      );
      tip(cell, DAYS[d] + " " + String(hr).padStart(2, "0") + ":00 – " + fmt.format(v) + " events");
      cell.addEventListener("click", () => {
        state.slot = state.slot === k ? -1 : k;
        update();
      });
      if (v) {
        marks++;
        total += v;
      }
    }
  }
  for (let hr = 0; hr < 24; hr += 3)
    s(
      "text",
      { x: pad.l + hr * cw + cw / 2, y: height - 6, "text-anchor": "middle" },
      svg,
      hr === 0 ? "12a" : hr < 12 ? hr + "a" : hr === 12 ? "12p" : hr - 12 + "p",
    );
  const scale = h("div", { class: "legend scale" }, el);
  h("span", {}, scale, "Fewer");
  for (let k = 0; k <= 4; k++)
    h("i", {}, scale).style.background = mix([253, 231, 238], [157, 23, 77], k / 4);
  h("span", {}, scale, "More (busiest hour: " + fmt.format(max) + " events)");
  setTotal("heat", total, marks);
}
function mix(a, b, t) {
  return "rgb(" + a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(",") + ")";
}

// Days since 1970-01-01 of event i (its local date), for the finer trend grains.
function dayOf(i) {
  const [y, m] = DATA.months[M[i]].split("-");
  return Math.round(Date.UTC(+y, +m - 1, D[i]) / 86400000);
}
function dayLabel(day) {
  const dt = new Date(day * 86400000);
  return MONTHS[dt.getUTCMonth()] + " " + dt.getUTCDate();
}

const TREND_HEIGHT = 200;
function trend(chartHeight) {
  const el = body("trend");
  const lo0 = state.range ? state.range[0] : 0,
    hi0 = state.range ? state.range[1] : NM - 1;
  const months = hi0 - lo0 + 1;
  // A quarter by month is three points: short ranges are drawn by week or by day.
  const grain = months <= 2 ? "day" : months <= 9 ? "week" : "month";
  let lo, hi, rs, qs, label;
  if (grain === "month") {
    rs = countBy(0, M, NM, R);
    qs = countBy(0, M, NM, Q);
    lo = lo0;
    hi = hi0;
    label = monthLabel;
  } else {
    const [y0, m0] = DATA.months[lo0].split("-"),
      [y1, m1] = DATA.months[hi0].split("-");
    const first = Math.round(Date.UTC(+y0, +m0 - 1, 1) / 86400000),
      last = Math.round(Date.UTC(+y1, +m1, 1) / 86400000) - 1;
    // weeks start on Monday; 1970-01-01 was a Thursday
    const key = grain === "day" ? (d) => d : (d) => Math.floor((d + 3) / 7);
    lo = key(first);
    hi = key(last);
    rs = new Float64Array(hi - lo + 1);
    qs = new Float64Array(hi - lo + 1);
    for (let i = 0; i < N; i++) {
      if (fail[i]) continue;
      const k = key(dayOf(i)) - lo;
      if (k < 0 || k > hi - lo) continue;
      rs[k] += R[i];
      qs[k] += Q[i];
    }
    rs = offsetBy(rs, lo);
    qs = offsetBy(qs, lo);
    label = grain === "day" ? dayLabel : (w) => "wk of " + dayLabel(w * 7 - 3);
  }
  const heading = document.querySelector('[data-view="trend"] h2');
  heading.textContent = "RSVPs and waitlists per " + grain;
  el.parentNode.dataset.grain = grain;
  const n = hi - lo + 1,
    width = widthOf(el, 600),
    height = Math.max(TREND_HEIGHT, Math.floor(chartHeight || 0)),
    pad = { l: 44, r: 8, t: 8, b: 22 };
  const iw = width - pad.l - pad.r,
    ih = height - pad.t - pad.b;
  let peak = 1,
    total = 0;
  for (let m = lo; m <= hi; m++) {
    peak = Math.max(peak, rs[m], qs[m]);
    total += rs[m] + qs[m];
  }
  const ticks = niceTicks(peak),
    max = ticks[ticks.length - 1];
  const svg = s(
    "svg",
    { width: width, height: height, role: "img", "aria-label": "RSVPs and waitlists per " + grain },
    el,
  );
  const g = s("g", { transform: "translate(" + pad.l + "," + pad.t + ")" }, svg);
  const x = (m) => (n === 1 ? iw / 2 : ((m - lo) / (n - 1)) * iw),
    y = (v) => ih - (ih * v) / max;
  yAxis(g, ticks, iw, y);
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(iw / 80))));
  for (let m = lo; m <= hi; m += every)
    s("text", { x: x(m), y: ih + 16, "text-anchor": "middle" }, g, label(m));
  let marks = 0;
  [
    [rs, "#e0245e", "RSVPs (yes)"],
    [qs, "#6366f1", "Waitlisted"],
  ].forEach(([vals, color, name]) => {
    let d = "";
    for (let m = lo; m <= hi; m++)
      d += (m === lo ? "M" : "L") + x(m).toFixed(1) + " " + y(vals[m]).toFixed(1);
    s(
      "path",
      {
        d: d + "L" + x(hi).toFixed(1) + " " + ih + "L" + x(lo).toFixed(1) + " " + ih + "Z",
        fill: color,
        "fill-opacity": 0.08,
      },
      g,
    );
    tip(
      s(
        "path",
        {
          class: "mark",
          d: d,
          fill: "none",
          stroke: color,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "data-points": String(n),
        },
        g,
      ),
      name,
    );
    marks++;
  });
  const legend = h("div", { class: "legend" }, el);
  [
    ["#e0245e", "RSVPs (yes)"],
    ["#6366f1", "Waitlisted"],
  ].forEach(([c, t]) => {
    const it = h("span", {}, legend);
    h("i", {}, it).style.background = c;
    it.appendChild(document.createTextNode(t));
  });
  setTotal("trend", total, marks);
}
// The trend shares its row with the word cloud, and the taller card sets the row's height:
// a cloud of fifty words left ~250 px empty under a 200 px chart. Once every view is drawn,
// the chart grows into whatever room its card has below it (none on narrow screens, where
// each card has its own row).
function fitTrend() {
  const card = document.querySelector('[data-view="trend"]');
  const el = card.querySelector(".body"),
    svg = el.querySelector("svg");
  if (!svg) return;
  const pad = parseFloat(getComputedStyle(card).paddingBottom);
  const inner = card.getBoundingClientRect().bottom - pad;
  const spare = Math.floor(inner - el.getBoundingClientRect().bottom);
  if (spare > 4) trend(svg.height.baseVal.value + spare);
}
// An array read as a[k] for k in [offset, offset + length): the finer grains' bucket keys.
function offsetBy(arr, offset) {
  const out = {};
  for (let k = 0; k < arr.length; k++) out[offset + k] = arr[k];
  return out;
}
