// The update cycle and the page's own controls.
// One of the page script's parts, joined in order inside one function scope by render.py.
function update() {
  computeFail();
  chips();
  citySelect();
  if (NET) countrySelect();
  kpis();
  timeline();
  if (NET) chapterMap();
  else mapView();
  heat();
  barList("groups", BIT.group, G, NG, DATA.groups.name, state.group);
  barList("venues", BIT.venue, V, NV, DATA.venues.name, state.venue, (v) => DATA.venues.city[v]);
  modes();
  trend();
  cloud();
  topEvents();
  if (NET) {
    chapterTime();
    chapterTable();
  } else groupTable();
  upcoming();
  fitTrend();
  document.body.dataset.ready = "1";
}

document.getElementById("city").addEventListener("change", (ev) => {
  state.city = +ev.target.value;
  update();
});
if (NET)
  document.getElementById("country").addEventListener("change", (ev) => {
    state.country = +ev.target.value;
    update();
  });
document.getElementById("reset").addEventListener("click", () => {
  Object.assign(state, { range: null, city: -1, word: -1, slot: -1, country: -1 });
  state.group.clear();
  state.venue.clear();
  state.mode.clear();
  update();
});
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(update, 150);
});
update();
