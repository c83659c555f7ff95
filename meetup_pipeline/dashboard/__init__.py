"""The dashboard: the marts rendered as one self-contained, offline HTML file.

Charting choice: hand-written vanilla JavaScript drawing SVG/HTML, with no library.

- Vega-Lite (Altair + vl-convert's offline bundle) was the candidate. Its grammar has no
  word cloud and no sortable table, so two of the views would live outside it and share
  the filter state through Vega's signal API; its runtime adds ~1 MB to every file; and
  each brush re-runs Vega's dataflow over every filtered view.
- The dashboard's needs are small and fixed: bars, a heat map, lines, dots on a
  projected plane, a tag cloud and a table, all cross-filtered. A dc.js-style crossfilter
  over compact columnar typed arrays (one pass per view per interaction, ~30k events)
  is a few hundred lines, costs nothing to ship, and keeps every string from the API on
  the `textContent`/attribute path (never `innerHTML`), which makes the XSS story easy
  to audit. A Content-Security-Policy allows only the page's own script (by hash) and
  no network at all.

Layout: `queries` (SQL), `model` (shaping into the compact payload), `text` (tokenizing,
stopwords, bigram terms, URL safety), `outline` (the shipped Bay Area county shapes and their
provenance), `basemap` (land for any region from the shipped Natural Earth countries, clipped
to the venues' view), `render` (the HTML page; title and notes from `MEETUP_REGION_NAME`),
`build` (the whole job), `cli`; a network's chapters: `network` (the rule, their figures
in SQL, their payload) and `worldmap` (Equal Earth around the chapters); the page's script
and styles are `static/*.js|css`.
"""
