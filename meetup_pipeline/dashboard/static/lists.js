// The list views: top-N bars, online share, word cloud, top events, table, upcoming, filters.
// One of the page script's parts, joined in order inside one function scope by render.py.
function barList(view, own, key, size, names, set, extra) {
  const el = body(view);
  const counts = countBy(own, key, size);
  const ids = top(counts, 10),
    max = Math.max(1, ...ids.map((i) => counts[i]));
  const rows = h("div", { class: "rows" }, el);
  let total = 0;
  for (const i of ids) {
    const row = h(
      "div",
      { class: "row mark" + (set.has(i) ? " sel" : set.size ? " dim" : ""), role: "button", tabindex: "0" },
      rows,
    );
    const lab = h("span", { class: "lab" }, row, names[i]);
    lab.title = names[i] + (extra ? " · " + extra(i) : "");
    const fill = h("div", { class: "fill" }, h("div", { class: "track" }, row));
    fill.style.width = ((100 * counts[i]) / max).toFixed(1) + "%";
    h("span", { class: "num" }, row, fmt.format(counts[i]));
    row.addEventListener("click", () => toggle(set, i));
    row.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        toggle(set, i);
      }
    });
    total += counts[i];
  }
  if (!ids.length) h("div", { class: "empty-note" }, el, "Nothing matches the filters.");
  setTotal(view, total, ids.length);
}

function modes() {
  const el = body("modes");
  const counts = countBy(BIT.mode, K, 3),
    sum = counts[0] + counts[1] + counts[2];
  const wrap = h("div", { class: "donut-wrap" }, el);
  const size = 150,
    r = 70,
    ri = 46;
  const svg = s("svg", { width: size, height: size, role: "img", "aria-label": "Online vs in person" }, wrap);
  const g = s("g", { transform: "translate(" + size / 2 + "," + size / 2 + ")" }, svg);
  let a0 = -Math.PI / 2,
    marks = 0;
  const legend = h("div", { class: "legend" }, wrap);
  // One figure per slice, written once: the legend and the centre show the same text.
  const pct = (k) => (sum ? ((100 * counts[k]) / sum).toFixed(1) + "%" : "–");
  DATA.modes.forEach((name, k) => {
    const share = sum ? counts[k] / sum : 0;
    const item = h("div", {}, legend);
    h("i", {}, item).style.background = MODE_COLORS[k];
    item.appendChild(document.createTextNode(name + " · " + pct(k)));
    if (!counts[k]) return;
    const a1 = a0 + share * 2 * Math.PI - (share === 1 ? 1e-6 : 0);
    const large = a1 - a0 > Math.PI ? 1 : 0;
    const p = (rad, ang) => (rad * Math.cos(ang)).toFixed(2) + " " + (rad * Math.sin(ang)).toFixed(2);
    const arc = s(
      "path",
      {
        class: "arc mark" + (state.mode.size && !state.mode.has(k) ? " dim" : ""),
        fill: MODE_COLORS[k],
        d:
          "M" +
          p(r, a0) +
          "A" +
          r +
          " " +
          r +
          " 0 " +
          large +
          " 1 " +
          p(r, a1) +
          "L" +
          p(ri, a1) +
          "A" +
          ri +
          " " +
          ri +
          " 0 " +
          large +
          " 0 " +
          p(ri, a0) +
          "Z",
      },
      g,
    );
    tip(arc, name + ": " + fmt.format(counts[k]) + " events");
    arc.addEventListener("click", () => toggle(state.mode, k));
    a0 = a1;
    marks++;
  });
  // The centre is the Online slice, exactly as its legend line says it: hybrid events have
  // their own slice and line, so they are not counted as online here.
  s("text", { class: "big", "text-anchor": "middle", y: 4 }, g, pct(1));
  s("text", { "text-anchor": "middle", y: 20 }, g, DATA.modes[1].toLowerCase());
  setTotal("modes", sum, marks);
}

function cloud() {
  const el = body("words");
  const titleCount = new Float64Array(NT),
    mask = ~BIT.word;
  for (let i = 0; i < N; i++) if (!(fail[i] & mask)) titleCount[T[i]]++;
  const counts = new Float64Array(NW);
  DATA.titleWords.forEach((ws, t) => {
    const c = titleCount[t];
    if (c) for (const w of ws) counts[w] += c;
  });
  const ids = top(counts, 50);
  const max = Math.max(1, ...ids.map((i) => counts[i])),
    min = Math.min(...ids.map((i) => counts[i]));
  const box = h("div", { class: "cloud" }, el);
  const shades = ["#9d174d", "#e0245e", "#6d28d9", "#4f46e5", "#be185d", "#7c3aed"];
  const hash = (w) => {
    let x = 7;
    for (let j = 0; j < w.length; j++) x = (x * 31 + w.charCodeAt(j)) >>> 0;
    return x;
  };
  let total = 0;
  ids
    .slice()
    .sort((a, b) => hash(DATA.words[a]) - hash(DATA.words[b]))
    .forEach((w, j) => {
      const t = max === min ? 1 : Math.sqrt((counts[w] - min) / (max - min));
      const span = h(
        "span",
        { class: "mark" + (state.word === w ? " sel" : ""), role: "button", tabindex: "0" },
        box,
        DATA.words[w],
      );
      span.style.fontSize = (12 + 26 * t).toFixed(1) + "px";
      span.style.color = shades[j % shades.length];
      span.style.opacity = String(0.55 + 0.45 * t);
      span.title = DATA.words[w] + ": " + fmt.format(counts[w]) + " events";
      span.addEventListener("click", () => {
        state.word = state.word === w ? -1 : w;
        update();
      });
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
  const best = idx.slice(0, 10),
    max = Math.max(1, ...best.map((i) => R[i]));
  const rows = h("div", { class: "rows events" }, el);
  best.forEach((i, j) => {
    const row = h("div", { class: "row mark" }, rows);
    h("span", { class: "rank" }, row, j + 1);
    const cell = h("div", {}, row);
    link(cell, eventUrl(i), DATA.titles[T[i]], "title");
    h(
      "span",
      { class: "meta" },
      cell,
      DATA.groups.name[G[i]] + " · " + D[i] + " " + monthLabel(M[i]) + " · " + DATA.cities[C[i]],
    );
    h("div", { class: "fill" }, h("div", { class: "track" }, row)).style.width =
      ((100 * R[i]) / max).toFixed(1) + "%";
    h("span", { class: "num" }, row, fmt.format(R[i]));
  });
  if (!best.length) h("div", { class: "empty-note" }, el, "Nothing matches the filters.");
  setTotal(
    "events",
    best.reduce((a, i) => a + R[i], 0),
    best.length,
  );
}

function groupTable() {
  const el = body("table");
  const ev = countBy(0, G, NG),
    rs = countBy(0, G, NG, R);
  const rows = [];
  for (let g = 0; g < NG; g++)
    if (ev[g])
      rows.push({ g: g, name: DATA.groups.name[g], events: ev[g], rsvps: rs[g], avg: rs[g] / ev[g] });
  const { key, dir } = state.sort;
  rows.sort((a, b) => (key === "name" ? a.name.localeCompare(b.name) : a[key] - b[key]) * dir || a.g - b.g);
  const wrap = h("div", { class: "table-scroll", tabindex: "0" }, el);
  const table = h("table", { class: "groups" }, wrap);
  const head = h("tr", {}, h("thead", {}, table));
  [
    ["name", "Group", ""],
    ["rsvps", "Total RSVPs", "n"],
    ["events", "Events", "n"],
    ["avg", "Avg RSVPs / event", "n"],
  ].forEach(([k, label, cls]) => {
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
  // Say that the table scrolls: a shadow at the cut edge and a line under it.
  if (wrap.scrollHeight > wrap.clientHeight + 2) {
    wrap.classList.add("scrolls");
    const shown = Math.max(1, Math.floor(wrap.clientHeight / 34) - 1);
    h(
      "div",
      { class: "scroll-cue" },
      el,
      fmt.format(rows.length) + " groups; about " + shown + " fit here: scroll the table for the rest ↓",
    );
  }
  setTotal(
    "table",
    rows.reduce((a, r) => a + r.events, 0),
    rows.length,
  );
}

function upcoming() {
  const el = body("upcoming");
  const list = DATA.upcoming
    .filter(
      (u) =>
        (state.city < 0 || u.city === state.city) &&
        (state.country < 0 || (u.g >= 0 && NET.chapters.country[u.g] === state.country)) &&
        (!state.group.size || state.group.has(u.g)) &&
        (!state.mode.size || state.mode.has(u.online ? 1 : 0)),
    )
    .slice(0, 40);
  const rows = h("div", { class: "rows up", tabindex: "0" }, el);
  for (const u of list) {
    const row = h("div", { class: "row mark" }, rows);
    // The region's wall time as given: parsed by hand, so the viewer's zone never shifts it.
    const [y, mo, d] = u.when.slice(0, 10).split("-").map(Number);
    const wd = (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7;
    const chip = h("div", { class: "date-chip" }, row, DAYS[wd] + " " + u.when.slice(11, 16));
    h("b", {}, chip, MONTHS[mo - 1] + " " + d);
    const cell = h("div", {}, row);
    link(cell, u.url, u.title, "title");
    h(
      "span",
      { class: "meta" },
      cell,
      [u.group, u.online ? "Online" : u.venue, u.cityName].filter(Boolean).join(" · "),
    );
    h("span", { class: "num" }, row, fmt.format(u.rsvp));
  }
  if (!list.length) h("div", { class: "empty-note" }, el, "No upcoming events match the filters.");
  // Beside the top events (wide layout) the list is as tall as they are and scrolls, so
  // neither card is left half empty.
  const events = document.querySelector('[data-view="events"]'),
    card = el.parentNode;
  rows.style.maxHeight = "";
  if (list.length && events.offsetTop === card.offsetTop) {
    const target = events.querySelector(".body").offsetHeight;
    if (target > 80 && rows.scrollHeight > target) {
      rows.style.maxHeight = target + "px";
      rows.classList.add("scrolls");
    }
  }
  setTotal("upcoming", list.length, list.length);
}

function citySelect() {
  const sel = document.getElementById("city");
  const counts = countBy(BIT.city, C, NC);
  sel.replaceChildren();
  h("option", { value: "-1" }, sel, "All cities");
  const order = [...Array(NC).keys()].sort(
    (a, b) => counts[b] - counts[a] || DATA.cities[a].localeCompare(DATA.cities[b]),
  );
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
    chip.addEventListener("click", () => {
      clear();
      update();
    });
  };
  if (state.range)
    add(monthLabel(state.range[0]) + " – " + monthLabel(state.range[1]), () => {
      state.range = null;
    });
  if (state.country >= 0)
    add("Country: " + countryName(state.country), () => {
      state.country = -1;
    });
  if (state.city >= 0)
    add("City: " + DATA.cities[state.city], () => {
      state.city = -1;
    });
  state.group.forEach((g) => add("Group: " + DATA.groups.name[g], () => state.group.delete(g)));
  state.venue.forEach((v) => add("Venue: " + DATA.venues.name[v], () => state.venue.delete(v)));
  state.mode.forEach((k) => add(DATA.modes[k], () => state.mode.delete(k)));
  if (state.word >= 0)
    add("Word: " + DATA.words[state.word], () => {
      state.word = -1;
    });
  if (state.slot >= 0)
    add(DAYS[Math.floor(state.slot / 24)] + " " + (state.slot % 24) + ":00", () => {
      state.slot = -1;
    });
  document.getElementById("reset").disabled = !box.childElementCount;
}
