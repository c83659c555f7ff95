// A network's views (DATA.network, see network.py): country filter, chapters on a world
// map, events per chapter over time, the chapter table. Called only when NET is set.
// One of the page script's parts, joined in order inside one function scope by render.py.
const REGION_NAMES = (() => {
  try {
    return new Intl.DisplayNames(["en"], { type: "region" });
  } catch (e) {
    return null;
  }
})();
function countryName(c) {
  if (c < 0) return "Unknown";
  const code = String(NET.countries[c]);
  if (REGION_NAMES && /^[a-z]{2}$/.test(code)) {
    try {
      const name = REGION_NAMES.of(code.toUpperCase());
      if (name) return name;
    } catch (e) {
      // not a region code: shown as given
    }
  }
  return code.toUpperCase();
}
function chapterCountry(g) {
  return countryName(NET.chapters.country[g]);
}

function countrySelect() {
  const sel = document.getElementById("country");
  const NK = NET.countries.length,
    counts = countBy(BIT.country, EC, NK);
  sel.replaceChildren();
  h("option", { value: "-1" }, sel, "All countries");
  const order = [...Array(NK).keys()].sort(
    (a, b) => counts[b] - counts[a] || countryName(a).localeCompare(countryName(b)),
  );
  for (const c of order) {
    const opt = h("option", { value: String(c) }, sel, countryName(c) + " (" + fmt.format(counts[c]) + ")");
    if (c === state.country) opt.selected = true;
  }
}

function flatPath(rings, px, py) {
  let d = "";
  for (const ring of rings) {
    for (let j = 0; j < ring.length; j += 2)
      d += (j ? "L" : "M") + px(ring[j]).toFixed(1) + " " + py(ring[j + 1]).toFixed(1);
    d += "Z";
  }
  return d;
}

function chapterMap() {
  const el = body("chapters-map");
  const map = NET.map,
    ch = NET.chapters;
  const counts = countBy(BIT.group, G, NG);
  const [x0, y0, x1, y1] = map.view;
  const width = widthOf(el, 600),
    pad = 10;
  const height = Math.min(420, Math.max(220, ((width - 2 * pad) * (y1 - y0)) / (x1 - x0) + 2 * pad));
  const scale = Math.min((width - 2 * pad) / (x1 - x0), (height - 2 * pad) / (y1 - y0));
  const ox = (width - (x1 - x0) * scale) / 2,
    oy = (height - (y1 - y0) * scale) / 2;
  const px = (x) => ox + (x - x0) * scale,
    py = (y) => height - oy - (y - y0) * scale;
  const svg = s("svg", { width: width, height: height, role: "img", "aria-label": "Map of chapters" }, el);
  s("path", { class: "sea", d: flatPath([map.sphere], px, py) }, svg);
  if (map.land.length) s("path", { class: "land", d: flatPath(map.land, px, py) }, svg);
  const located = [];
  for (let g = 0; g < NG; g++) if (ch.x[g] !== null && ch.y[g] !== null) located.push(g);
  const max = Math.max(1, ...located.map((g) => counts[g]));
  // Busiest first, so smaller chapters are drawn on top and stay clickable.
  located.sort((a, b) => counts[b] - counts[a] || a - b);
  let marks = 0,
    total = 0;
  for (const g of located) {
    const n = counts[g],
      r = n ? 3 + 13 * Math.sqrt(n / max) : 2.5;
    const cls = n ? "chapter mark" : "chapter idle";
    const dot = s(
      "circle",
      {
        class: cls + (state.group.has(g) ? " sel" : "") + (ch.dormant[g] ? " dormant" : ""),
        cx: px(ch.x[g]).toFixed(1),
        cy: py(ch.y[g]).toFixed(1),
        r: r.toFixed(1),
        "data-g": String(g),
      },
      svg,
    );
    const place = [ch.city[g], chapterCountry(g)].filter(Boolean).join(", ");
    tip(dot, DATA.groups.name[g] + " (" + place + "): " + fmt.format(n) + " events");
    dot.addEventListener("click", () => toggle(state.group, g));
    if (n) {
      marks++;
      total += n;
    }
  }
  setTotal("chapters-map", total, marks);
}

const CHAPTER_ROWS = 20;
function clip(text, max) {
  return text.length > max ? text.slice(0, Math.max(1, max - 1)) + "…" : text;
}
function chapterTime() {
  const el = body("chapter-time");
  const bin = Math.max(1, Math.ceil(NM / 60)),
    NB = Math.ceil(NM / bin);
  // Its own range and chapter choices keep their context: the whole span, every chapter.
  const mask = ~(BIT.range | BIT.group);
  const cells = new Float64Array(NG * NB),
    rowTotal = new Float64Array(NG);
  for (let i = 0; i < N; i++) {
    if (fail[i] & mask) continue;
    cells[G[i] * NB + Math.floor(M[i] / bin)]++;
    rowTotal[G[i]]++;
  }
  const ids = top(rowTotal, CHAPTER_ROWS);
  let max = 1;
  for (const g of ids) for (let b = 0; b < NB; b++) max = Math.max(max, cells[g * NB + b]);
  const width = widthOf(el, 1000),
    labelW = Math.min(220, width * 0.28),
    numW = 48,
    rowH = 18,
    top0 = 4;
  const cw = (width - labelW - numW) / NB,
    height = top0 + ids.length * rowH + 22;
  const svg = s(
    "svg",
    { width: width, height: height, role: "img", "aria-label": "Events per chapter over time" },
    el,
  );
  const inRange = (b) =>
    !state.range || (b * bin + bin - 1 >= state.range[0] && b * bin <= state.range[1]);
  let total = 0;
  ids.forEach((g, row) => {
    const y = top0 + row * rowH;
    const label = s(
      "text",
      {
        class: "chapter-row mark" + (state.group.has(g) ? " sel" : ""),
        x: labelW - 8,
        y: y + rowH / 2 + 4,
        "text-anchor": "end",
        "data-g": String(g),
      },
      svg,
      clip(DATA.groups.name[g], Math.floor(labelW / 6.6)),
    );
    tip(label, DATA.groups.name[g] + " · " + chapterCountry(g));
    label.addEventListener("click", () => toggle(state.group, g));
    for (let b = 0; b < NB; b++) {
      const v = cells[g * NB + b];
      if (!v) continue;
      const cell = s(
        "rect",
        {
          class: "tcell" + (inRange(b) ? "" : " off"),
          x: (labelW + b * cw).toFixed(1),
          y: y + 1,
          width: Math.max(1, cw - 1).toFixed(1),
          height: rowH - 2,
          fill: mix([253, 231, 238], [157, 23, 77], Math.pow(v / max, 0.6)),
        },
        svg,
      );
      const span = bin === 1 ? monthLabel(b) : monthLabel(b * bin) + " – " + monthLabel(Math.min(NM - 1, b * bin + bin - 1));
      tip(cell, DATA.groups.name[g] + ", " + span + ": " + fmt.format(v) + " events");
    }
    s("text", { class: "num", x: width - 4, y: y + rowH / 2 + 4, "text-anchor": "end" }, svg, fmt.format(rowTotal[g]));
    total += rowTotal[g];
  });
  const yearEvery = Math.max(1, Math.ceil(((NM / 12) * 40) / (width - labelW - numW)));
  for (let m = 0; m < NM; m++) {
    const [yy, mm] = DATA.months[m].split("-");
    if ((mm === "01" && +yy % yearEvery === 0) || (m === 0 && NM <= 12))
      s("text", { x: labelW + Math.floor(m / bin) * cw, y: height - 6 }, svg, yy);
  }
  let rest = 0;
  for (let g = 0; g < NG; g++) if (rowTotal[g]) rest++;
  rest -= ids.length;
  if (!ids.length) h("div", { class: "empty-note" }, el, "Nothing matches the filters.");
  else if (rest > 0)
    h("div", { class: "scroll-cue" }, el, "and " + fmt.format(rest) + " more chapters: pick a country to see them");
  setTotal("chapter-time", total, ids.length);
}

function chapterTable() {
  const el = body("chapters");
  const ch = NET.chapters;
  const ev = countBy(0, G, NG),
    rs = countBy(0, G, NG, R);
  // Chapters without events on the page (dormant, new) are listed too, unless a filter on
  // events (dates, venue, city, format, word, hour) asks for chapters that have some.
  const eventFilter =
    state.range || state.venue.size || state.city >= 0 || state.mode.size || state.word >= 0 || state.slot >= 0;
  const rows = [];
  for (let g = 0; g < NG; g++) {
    if (state.country >= 0 && ch.country[g] !== state.country) continue;
    if (state.group.size && !state.group.has(g)) continue;
    if (eventFilter && !ev[g]) continue;
    if (!DATA.groups.id[g] && !ev[g]) continue;
    rows.push({
      g: g,
      name: DATA.groups.name[g],
      country: chapterCountry(g),
      city: ch.city[g],
      members: ch.members[g],
      growth: ch.growth[g],
      last: ch.lastEvent[g],
      events12: ch.events12[g],
      events: ev[g],
      rsvps: rs[g],
      status: ch.dormant[g] ? "Dormant" : "Active",
    });
  }
  const { key, dir } = state.chapterSort;
  const text = { name: 1, country: 1, city: 1, last: 1, status: 1 };
  rows.sort((a, b) => {
    const x = a[key],
      y = b[key];
    if (x === null || x === "" || y === null || y === "")
      return (x === null || x === "" ? 1 : 0) - (y === null || y === "" ? 1 : 0) || a.g - b.g;
    return (text[key] ? String(x).localeCompare(String(y)) : x - y) * dir || a.g - b.g;
  });
  const dormant = rows.filter((r) => r.status === "Dormant").length;
  h(
    "div",
    { class: "chapter-summary" },
    el,
    fmt.format(rows.length) +
      " chapters · " +
      fmt.format(dormant) +
      " dormant (no event in the last " +
      NET.dormantMonths +
      " months)",
  );
  const wrap = h("div", { class: "table-scroll", tabindex: "0" }, el);
  const table = h("table", { class: "groups chapters" }, wrap);
  const head = h("tr", {}, h("thead", {}, table));
  [
    ["name", "Chapter", ""],
    ["country", "Country", ""],
    ["city", "City", ""],
    ["members", "Members", "n"],
    ["growth", "Growth (12 mo)", "n"],
    ["last", "Last event", ""],
    ["events12", "Events (12 mo)", "n"],
    ["events", "Events shown", "n"],
    ["rsvps", "RSVPs shown", "n"],
    ["status", "Status", ""],
  ].forEach(([k, label, cls]) => {
    const th = h("th", { class: cls, "data-key": k }, head);
    if (key === k) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    const btn = h("button", { type: "button" }, th, label + (key === k ? (dir > 0 ? " ▲" : " ▼") : ""));
    btn.addEventListener("click", () => {
      state.chapterSort = { key: k, dir: key === k ? -dir : text[k] ? 1 : -1 };
      chapterTable();
    });
  });
  const tbody = h("tbody", {}, table);
  const signed = (v) => (v === null ? "–" : (v > 0 ? "+" : v < 0 ? "−" : "") + fmt.format(Math.abs(v)));
  for (const r of rows) {
    const tr = h("tr", { class: "mark" + (r.status === "Dormant" ? " dormant" : ""), "data-g": String(r.g) }, tbody);
    link(h("td", {}, tr), DATA.groups.url[r.g], r.name);
    h("td", {}, tr, r.country);
    h("td", {}, tr, r.city);
    h("td", { class: "n" }, tr, r.members === null ? "–" : fmt.format(r.members));
    const growth = h("td", { class: "n" }, tr, signed(r.growth));
    if (ch.growthSince[r.g]) growth.title = "since " + ch.growthSince[r.g];
    h("td", {}, tr, r.last || "never");
    h("td", { class: "n" }, tr, fmt.format(r.events12));
    h("td", { class: "n" }, tr, fmt.format(r.events));
    h("td", { class: "n" }, tr, fmt.format(r.rsvps));
    h("td", { class: "status" }, tr, r.status);
  }
  if (wrap.scrollHeight > wrap.clientHeight + 2) wrap.classList.add("scrolls");
  setTotal(
    "chapters",
    rows.reduce((a, r) => a + r.events, 0),
    rows.length,
  );
}
