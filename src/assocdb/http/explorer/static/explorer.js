/* assocdb explorer: the little JavaScript the pages need (no inline scripts: the pages'
   Content-Security-Policy allows only files served from here). */
"use strict";

/* Sign-in: the URL `serve` prints carries the admin token in the fragment, which the
   browser never sends. Take it out of the address bar first, then post it. */
function signInFromFragment() {
  const form = document.getElementById("signin-form");
  if (!form || !location.hash.startsWith("#token=")) return;
  const token = decodeURIComponent(location.hash.slice("#token=".length));
  history.replaceState(null, "", location.pathname);
  form.elements.token.value = token;
  form.submit();
}

/* The live request log: the poller asks for requests newer than the last one seen. */
function followRequestLog() {
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const xhr = event.detail.xhr;
    const since = document.getElementById("since");
    const last = xhr && xhr.getResponseHeader("X-Journal-Last");
    if (since && last && event.detail.successful) since.value = last;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target.id !== "request-detail") return;
    const link = event.detail.requestConfig && event.detail.requestConfig.elt;
    document.querySelectorAll("#request-rows tr.selected").forEach((tr) => tr.classList.remove("selected"));
    const row = link && link.closest && link.closest("tr");
    if (row) row.classList.add("selected");
    event.detail.target.focus({ preventScroll: true });
  });
}

/* The records view: a search the search API refuses (a 400) still replaces the table,
   whose alert says why; htmx swaps only 2xx answers unless told. */
function showRefusedSearches() {
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 400 && event.detail.target.id === "records") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
}

/* The graph: cytoscape.js, expanded one record at a time. */
const TYPE_COLOURS = {
  "0-1": "#2f7dd1", "0-2": "#d1692f", "0-3": "#2f9d5b", "0-5": "#9b4dca",
};

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function graphStyle() {
  const text = cssVar("--fg") || "#222";
  const edge = cssVar("--muted") || "#888";
  return [
    { selector: "node", style: {
      "label": "data(label)", "color": text, "font-size": 11, "text-valign": "bottom",
      "text-margin-y": 4, "width": 22, "height": 22, "background-color": "#777",
      "text-wrap": "ellipsis", "text-max-width": 120 } },
    ...Object.entries(TYPE_COLOURS).map(([type, colour]) => ({
      selector: `node[type = "${type}"]`, style: { "background-color": colour } })),
    { selector: "node.root", style: { "width": 34, "height": 34, "border-width": 3, "border-color": text } },
    { selector: "node.expanded", style: { "border-width": 2, "border-color": text } },
    { selector: "node[kind = \"more\"]", style: {
      "shape": "round-rectangle", "background-color": cssVar("--bg-soft") || "#eee",
      "border-width": 1, "border-color": edge, "width": 16, "height": 16, "font-style": "italic" } },
    { selector: "edge", style: {
      "width": 1.5, "line-color": edge, "curve-style": "bezier", "label": "data(label)",
      "font-size": 9, "color": text, "text-rotation": "autorotate",
      "text-background-color": cssVar("--bg") || "#fff", "text-background-opacity": 0.8 } },
    { selector: "edge[?primary]", style: { "width": 4, "line-color": cssVar("--accent") || "#c0392b" } },
    { selector: ":selected", style: { "overlay-opacity": 0.2 } },
  ];
}

function initGraph() {
  const box = document.getElementById("graph");
  if (!box || typeof cytoscape !== "function") return;
  const status = document.getElementById("graph-status");
  const list = document.getElementById("node-list");
  const cy = cytoscape({ container: box, style: graphStyle(), wheelSensitivity: 0.3,
                         minZoom: 0.2, maxZoom: 3 });
  window.assocdbGraph = cy;  // for the browser tests

  function say(text) { status.textContent = text; }

  function relayout() {
    cy.layout({ name: "cose", animate: false, randomize: false, fit: true, padding: 30,
                nodeDimensionsIncludeLabels: true, numIter: 600 }).run();
  }

  function renderList() {
    list.replaceChildren();
    const records = cy.nodes().filter((n) => n.data("kind") !== "more");
    document.getElementById("node-count").textContent = String(records.length);
    cy.nodes().forEach((node) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      if (node.data("kind") === "more") {
        button.textContent = `Load ${node.data("label")}`;
        button.addEventListener("click", () => loadMore(node));
        li.append(button);
      } else {
        const link = document.createElement("a");
        link.href = node.data("url");
        link.textContent = `${node.data("label")} (${node.data("kind")} ${node.data("objectId")})`;
        button.textContent = node.hasClass("expanded") ? "Expanded" : "Expand";
        button.disabled = node.hasClass("expanded");
        button.setAttribute("aria-label", `Expand ${node.data("label")}`);
        button.addEventListener("click", () => expand(node));
        li.append(link, " ", button);
      }
      list.append(li);
    });
  }

  async function load(url, near) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!response.ok) { say(`Could not load (${response.status}).`); return 0; }
    const data = await response.json();
    const fresh = data.elements.filter((el) => cy.getElementById(el.data.id).empty());
    const position = near ? near.position() : { x: 0, y: 0 };
    cy.add(fresh.map((el) => (el.data.source ? el : { ...el, position: {
      x: position.x + (Math.random() - 0.5) * 80, y: position.y + (Math.random() - 0.5) * 80 } })));
    return fresh.filter((el) => !el.data.source).length;
  }

  async function expand(node) {
    if (node.hasClass("expanded")) return;
    node.addClass("expanded");
    say(`Loading the associations of ${node.data("label")}…`);
    const base = box.dataset.source.split("?")[0];
    const query = new URLSearchParams({ type: node.data("type"), id: node.data("objectId") });
    const added = await load(`${base}?${query}`, node);
    relayout();
    renderList();
    say(`${node.data("label")}: ${added} more node${added === 1 ? "" : "s"}.`);
  }

  async function loadMore(node) {
    const url = node.data("moreUrl");
    const anchor = cy.getElementById(node.incomers("edge").sources().id() || "");
    node.remove();
    say("Loading more…");
    const added = await load(url, anchor.nonempty() ? anchor : null);
    relayout();
    renderList();
    say(`${added} more node${added === 1 ? "" : "s"}.`);
  }

  cy.on("tap", "node", (event) => {
    const node = event.target;
    if (node.data("kind") === "more") loadMore(node); else expand(node);
  });

  load(box.dataset.source, null).then(() => {
    const root = cy.getElementById(box.dataset.root);
    root.addClass("root expanded");
    relayout();
    renderList();
    say(`${cy.nodes().length} nodes.`);
    box.dataset.ready = "true";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  signInFromFragment();
  followRequestLog();
  showRefusedSearches();
  initGraph();
});
