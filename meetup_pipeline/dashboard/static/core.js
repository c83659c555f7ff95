// Data, state, DOM helpers and the crossfilter.
// One of the page script's parts, joined in order inside one function scope by render.py.
const DATA = JSON.parse(document.getElementById("dashboard-data").textContent);
const SVGNS = "http://www.w3.org/2000/svg";
const EV = DATA.events;
const N = EV.m.length;
const M = Int16Array.from(EV.m),
  D = Int8Array.from(EV.d),
  WD = Int8Array.from(EV.w);
const HR = Int8Array.from(EV.h),
  G = Int32Array.from(EV.g),
  V = Int32Array.from(EV.v);
const C = Int32Array.from(EV.c),
  R = Int32Array.from(EV.r),
  Q = Int32Array.from(EV.q);
const K = Int8Array.from(EV.k),
  T = Int32Array.from(EV.t);
const NM = DATA.months.length,
  NG = DATA.groups.name.length,
  NV = DATA.venues.name.length;
const NC = DATA.cities.length,
  NW = DATA.words.length,
  NT = DATA.titles.length;
// One bit per filter in `fail` (a Uint8Array): eight filters at most.
const BIT = { range: 1, group: 2, venue: 4, city: 8, mode: 16, word: 32, slot: 64, country: 128 };
// A network's page (see network.py): each event's country is its chapter's.
const NET = DATA.network || null;
const EC = NET ? Int32Array.from(EV.g, (g) => NET.chapters.country[g]) : null;
const MODE_COLORS = ["#e0245e", "#6366f1", "#f59e0b"];
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const fmt = new Intl.NumberFormat("en-US");
const fmt1 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact" });

const state = {
  range: null,
  group: new Set(),
  venue: new Set(),
  city: -1,
  mode: new Set(),
  word: -1,
  slot: -1,
  country: -1,
  sort: { key: "events", dir: -1 },
  chapterSort: { key: "events", dir: -1 },
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
function tip(node, text) {
  s("title", {}, node, text);
  return node;
}
function safeUrl(raw) {
  if (!raw) return null;
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (e) {
    return null;
  }
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
  return (
    "https://www.meetup.com/" +
    encodeURIComponent(DATA.groups.urlname[G[i]]) +
    "/events/" +
    encodeURIComponent(EV.id[i]) +
    "/"
  );
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
  const raw = Math.max(1, max) / 4,
    mag = Math.pow(10, Math.floor(Math.log10(raw))),
    n = raw / mag;
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
function toggle(set, key) {
  if (set.has(key)) set.delete(key);
  else set.add(key);
  update();
}
function widthOf(node, fallback) {
  return Math.max(240, node.clientWidth || fallback);
}

// ---- filtering ----------------------------------------------------------------------
let wordTitles = null;
function computeFail() {
  wordTitles = null;
  if (state.word >= 0) {
    wordTitles = new Uint8Array(NT);
    DATA.titleWords.forEach((ws, t) => {
      if (ws.indexOf(state.word) >= 0) wordTitles[t] = 1;
    });
  }
  const r = state.range,
    gs = state.group,
    vs = state.venue,
    ms = state.mode;
  const city = state.city,
    slot = state.slot,
    country = state.country;
  for (let i = 0; i < N; i++) {
    let f = 0;
    if (r && (M[i] < r[0] || M[i] > r[1])) f |= BIT.range;
    if (gs.size && !gs.has(G[i])) f |= BIT.group;
    if (vs.size && !vs.has(V[i])) f |= BIT.venue;
    if (city >= 0 && C[i] !== city) f |= BIT.city;
    if (ms.size && !ms.has(K[i])) f |= BIT.mode;
    if (wordTitles && !wordTitles[T[i]]) f |= BIT.word;
    if (slot >= 0 && WD[i] * 24 + HR[i] !== slot) f |= BIT.slot;
    if (country >= 0 && EC[i] !== country) f |= BIT.country;
    fail[i] = f;
  }
}
function countBy(own, key, size, weight) {
  const out = new Float64Array(size),
    mask = ~own;
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
