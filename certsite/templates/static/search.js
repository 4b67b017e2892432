// Search page: Pagefind's JavaScript API with our own form, so that the query,
// filters and order live in the address (shareable, bookmarkable) and work by keyboard.
//
// Only entity pages carry the standard, country, status, auditor, year and activity
// filters, so their counts are companies, not pages; "kind" tells companies from
// announcements. Counts follow the current query and filters.
const FILTERS = [
  ["kind", "Show"],
  ["status", "Status of current certifications"],
  ["standard", "Standard"],
  ["country", "Country"],
  ["auditor", "Auditor"],
  ["year", "Year announced"],
  ["activity", "Activity"],
];
const KIND_LABELS = { "Entity": "Companies", Announcement: "Announcements" };
const PAGE_SIZE = 20;

const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const sortSelect = document.getElementById("search-sort");
const filterBox = document.getElementById("search-filters");
const filterDetails = document.getElementById("search-filter-box");
const count = document.getElementById("search-count");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");

// The index as this page found it. Pagefind answers without a file of its index that
// fails to load: a false "no results", or wrong counts. That happens when a deploy (or
// the preview) replaces the index under an open page, so each search asks for the
// index's version again before it shows anything, and says so when it changed. Asked
// for before Pagefind loads anything: a change in between is said too, never missed.
const versionFile = new URL("../pagefind/version.txt", import.meta.url);
async function indexVersion() {
  const answer = await fetch(versionFile, { cache: "no-store" });
  return answer.ok ? answer.text() : "";
}
const loadedVersion = await indexVersion().catch(() => "");
async function checkIndexUnchanged() {
  if ((await indexVersion()) !== loadedVersion) throw new IndexChanged();
}
class IndexChanged extends Error {}

let pagefind;
try {
  pagefind = await import(new URL("../pagefind/pagefind.js", import.meta.url).href);
} catch {
  // A development build made with --no-search has no index.
  count.textContent = "Search is not available in this build of the site. Browse the certified entities A–Z instead.";
  list.replaceChildren(Object.assign(element("a", null, "Certified entities A–Z"), { href: list.dataset.entities }));
  throw new Error("no search index at /pagefind/");
}
// Result addresses start from the site's root, which is not the domain's under a sub-path.
const SEARCH_OPTIONS = { baseUrl: list.dataset.siteRoot, excerptLength: 30, ranking: { metaWeights: { names: 10 } } };
await pagefind.options(SEARCH_OPTIONS);
pagefind.init();
// A large register's index comes in parts (see certsite/search.py), listed in parts.json:
// Pagefind merges them into one search, ordered as one index would order it.
// A part that cannot be loaded would silently leave out results: say so instead.
const partsList = new URL("../pagefind/parts.json", import.meta.url);
try {
  const answer = await fetch(partsList);
  const parts = answer.ok ? await answer.json() : [];
  await Promise.all(parts.map((part) => pagefind.mergeIndex(new URL(part, partsList).href, SEARCH_OPTIONS)));
} catch {
  unavailable();
  throw new Error("a part of the search index could not be loaded");
}

// A file of the index that fails to load, now or during a later search, is said rather
// than leaving the page blank: the index can change under an open page (a deploy, or the
// preview's update). Pagefind itself passes over a missing chunk of its index or of its
// filters, and answers without it.
function unavailable(error) {
  more.hidden = true;
  count.textContent = error instanceof IndexChanged
    ? "The register was updated while this page was open: reload the page to search it, or browse the certified entities A–Z."
    : "Search is not available right now: its index could not be loaded. Reload the page, or browse the certified entities A–Z.";
  list.replaceChildren(Object.assign(element("a", null, "Certified entities A–Z"), { href: list.dataset.entities }));
}

function readAddress() {
  const params = new URLSearchParams(window.location.search);
  return {
    q: params.get("q") || "",
    sort: params.get("sort") || "",
    filters: Object.fromEntries(FILTERS.map(([key]) => [key, params.getAll(key)])),
  };
}

function writeAddress(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.sort) params.set("sort", state.sort);
  for (const [key] of FILTERS) for (const value of state.filters[key]) params.append(key, value);
  const query = params.toString();
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

function formState() {
  const filters = Object.fromEntries(FILTERS.map(([key]) => [key, []]));
  for (const box of filterBox.querySelectorAll("input[type=checkbox]:checked")) filters[box.name].push(box.value);
  return { q: input.value.trim(), sort: sortSelect.value, filters };
}

// One checkbox per value in the whole register; their counts are set by showCounts.
async function renderFilters(selected) {
  const available = await pagefind.filters();
  for (const [key, label] of FILTERS) {
    const values = Object.keys(available[key] || {}).sort((a, b) => (key === "year" ? b.localeCompare(a) : a.localeCompare(b)));
    if (!values.length) continue;
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = key === "kind" ? label : `${label} (number of companies)`;
    fieldset.append(legend);
    values.forEach((value, index) => {
      const id = `filter-${key}-${index}`;
      const box = Object.assign(document.createElement("input"), { type: "checkbox", name: key, value, id });
      box.checked = selected[key].includes(value);
      const text = Object.assign(document.createElement("label"), { htmlFor: id });
      text.dataset.value = KIND_LABELS[value] || value;
      const row = document.createElement("div");
      row.append(box, text);
      fieldset.append(row);
    });
    filterBox.append(fieldset);
  }
  showCounts(available);
  filterDetails.hidden = false;
  // Filters chosen in a shared address are shown; otherwise they stay folded away.
  filterDetails.open = FILTERS.some(([key]) => selected[key].length > 0);
}

// Pagefind's counts for the current query and filters: how many results each value would leave.
function showCounts(counts) {
  for (const label of filterBox.querySelectorAll("label[data-value]")) {
    const box = document.getElementById(label.htmlFor);
    const n = (counts[box.name] || {})[box.value] || 0;
    label.textContent = ` ${label.dataset.value} (${n})`;
  }
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

let latest = 0;
let shown = { results: [], next: 0 };
async function runSearch(state) {
  const ticket = ++latest;
  try {
    await searchAndShow(state, ticket);
  } catch (error) {
    if (ticket === latest) unavailable(error); // an older search that failed leaves a newer one's results
  }
}

async function searchAndShow(state, ticket) {
  const filters = {};
  for (const [key] of FILTERS) if (state.filters[key].length) filters[key] = { any: state.filters[key] };
  const anyFilter = Object.keys(filters).length > 0;
  if (!state.q && !anyFilter) {
    list.replaceChildren();
    more.hidden = true;
    const counts = await pagefind.filters();
    await checkIndexUnchanged();
    if (ticket !== latest) return;
    showCounts(counts);
    count.textContent = "Type a name, place or criterion, or choose a filter.";
    return;
  }
  const options = { filters };
  if (state.sort) options.sort = { date: state.sort === "oldest" ? "asc" : "desc" };
  const search = await find(state.q, options);
  if (ticket !== latest) return; // a newer search has started
  const counts = await countsFor(state, filters, search.filters);
  await checkIndexUnchanged();
  if (ticket !== latest) return;
  showCounts(counts);
  const results = state.sort ? search.results : await exactNameFirst(search.results, state.q);
  if (ticket !== latest) return;
  shown = { results, next: 0 };
  list.replaceChildren();
  const what = state.q ? `“${state.q}”` : "these filters";
  if (!search.results.length) {
    more.hidden = true;
    count.textContent = `No certified company, place or criterion matches ${what}.`;
    const hint = element("li", "search-empty");
    hint.append("Check the spelling, remove a filter, or browse the ");
    hint.append(Object.assign(element("a", null, "certified entities A–Z"), { href: list.dataset.entities }));
    hint.append(".");
    list.replaceChildren(hint);
    return;
  }
  await showMore(ticket);
  if (ticket !== latest) return;
  // Announced last, once the first results are on the page.
  const total = search.results.length;
  const kinds = search.filters.kind || {};
  const companies = kinds["Entity"] || 0;
  const announcements = kinds.Announcement || 0;
  count.textContent = `${total} result${total === 1 ? "" : "s"} for ${what}: ${companies} compan${companies === 1 ? "y" : "ies"}, ${announcements} announcement${announcements === 1 ? "" : "s"}.`;
}

// Pagefind leaves out a word of the query that matches nothing in the register and
// searches for the others, so that "Norsk Hydro" would list every page with a word
// "no" (the nearest to "Norsk") in it. A result here has every word of the query: a
// query with a word that finds nothing on its own finds nothing.
const wordFinds = new Map();
async function find(query, options) {
  const search = await pagefind.search(query || null, options);
  const words = (query || "").split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word));
  if (words.length < 2) return search;
  for (const word of words) {
    if (!wordFinds.has(word)) wordFinds.set(word, pagefind.search(word).then((alone) => alone.results.length > 0));
  }
  if ((await Promise.all(words.map((word) => wordFinds.get(word)))).every(Boolean)) return search;
  const none = (counts) => Object.fromEntries(Object.keys(counts).map((value) => [value, 0]));
  return { ...search, results: [], filters: Object.fromEntries(Object.entries(search.filters).map(([key, counts]) => [key, none(counts)])) };
}

// Pagefind counts what each value would leave if it were added to the filters. Within
// a group that already has a ticked value, ticking another one widens the search
// ("any" of them), so that group's counts come from the search without its own choice.
async function countsFor(state, filters, counts) {
  const merged = { ...counts };
  for (const key of Object.keys(filters)) {
    const others = { ...filters };
    delete others[key];
    const wider = await find(state.q, { filters: others });
    merged[key] = wider.filters[key] || {};
  }
  return merged;
}

// Names compared as a reader types them: case, accents, spaces and punctuation aside.
function folded(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^\p{L}\p{N}]/gu, "");
}

// A company whose name (or other name) is exactly the query comes first, whatever
// the ranking says: that is the page a reader typing a name is looking for.
async function exactNameFirst(results, query) {
  const wanted = folded(query || "");
  if (!wanted) return results;
  const head = results.slice(0, PAGE_SIZE);
  const data = await Promise.all(head.map((result) => result.data()));
  const index = data.findIndex((d) => (d.meta.names || "").split(" / ").some((name) => folded(name) === wanted));
  if (index <= 0) return results;
  return [results[index], ...results.slice(0, index), ...results.slice(index + 1)];
}

// The next PAGE_SIZE results, appended; every result is reachable this way.
async function showMore(ticket) {
  const page = shown.results.slice(shown.next, shown.next + PAGE_SIZE);
  const data = await Promise.all(page.map((result) => result.data()));
  if (ticket !== latest) return;
  const first = list.children.length;
  list.append(...data.map(renderResult));
  shown.next += page.length;
  const left = shown.results.length - shown.next;
  more.hidden = left <= 0;
  more.textContent = `Show ${Math.min(left, PAGE_SIZE)} more of ${left} remaining`;
  if (first > 0) list.children[first].querySelector("a").focus();  // keyboard users land on the first new result
}

function renderResult(data) {
  const item = element("li", "search-result");
  const heading = element("h2");
  heading.append(Object.assign(element("a", null, data.meta.title), { href: data.url }));
  const facts = [data.meta.kind, data.meta.entity !== data.meta.title ? data.meta.entity : null, data.meta.date, data.meta.location];
  const meta = element("p", "meta", facts.filter(Boolean).join(" · "));
  item.append(heading, meta);
  if (data.meta.status) item.append(element("p", "result-status", `Status as of ${list.dataset.asOf}: ${data.meta.status}`));
  const excerpt = element("p", "excerpt");
  // Pagefind's excerpt is our own escaped page text with <mark> around the matches.
  excerpt.innerHTML = withoutNameParts(data.excerpt);
  item.append(excerpt);
  return item;
}

// Pages index the later parts of names written without spaces (see search_suffixes
// in certsite/render.py) so that part of a Chinese name finds them. Readers need not
// see that list: in each run of Chinese, Japanese or Korean words, drop the words that
// are the end of a longer word of the same run. The whole name is never the end of a
// longer one, so it stays; words in spaced scripts are never touched.
const UNSPACED = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/;
function withoutNameParts(excerptHtml) {
  const words = excerptHtml.split(" ");
  const plain = words.map((word) => word.replace(/<\/?mark>/g, "").replace(/[.,;]$/, ""));
  const keep = words.map(() => true);
  for (let start = 0; start < words.length; ) {
    let end = start;
    while (end < words.length && UNSPACED.test(plain[end])) end++;
    for (let i = start; i < end; i++) {
      for (let j = start; j < end; j++) {
        if (plain[j].length > plain[i].length && plain[j].endsWith(plain[i])) keep[i] = false;
      }
    }
    start = Math.max(end, start + 1);
  }
  return words.filter((_, i) => keep[i]).join(" ");
}

let timer;
let searched = "";
function onChange() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    const state = formState();
    // Leaving the field fires "change" with nothing changed: keep the results (and
    // those already shown with "Show more") rather than search again.
    if (JSON.stringify(state) === searched) return;
    searched = JSON.stringify(state);
    writeAddress(state);
    runSearch(state);
  }, 150);
}

const initial = readAddress();
input.value = initial.q;
sortSelect.value = initial.sort;
searched = JSON.stringify(initial);
try {
  await renderFilters(initial.filters);
} catch (error) {
  unavailable();
  throw error;
}
form.addEventListener("submit", (event) => { event.preventDefault(); onChange(); });
form.addEventListener("input", onChange);
form.addEventListener("change", onChange);
more.addEventListener("click", () => {
  const ticket = latest;
  showMore(ticket).catch((error) => { if (ticket === latest) unavailable(error); });
});
runSearch(initial);
