// The Junction admin page: polls status.json once a second and renders it. No framework, no build.
"use strict";

const REFRESH_MS = 1000;
let lastOk = 0;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? "" : String(c)));
  return e;
}

function lag(endpoint) {
  if (endpoint.role === "primary") return "—";
  const ms = endpoint.lagMillis < 0 ? "?" : endpoint.lagMillis + " ms";
  const bytes = endpoint.lagBytes < 0 ? "" : " / " + formatBytes(endpoint.lagBytes);
  return ms + bytes;
}

function formatBytes(n) {
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}

function renderTopology(shards) {
  const root = document.getElementById("topology");
  root.replaceChildren();
  for (const shard of shards) {
    root.append(el("div", {class: "shard-name"}, "shard " + shard.name));
    const body = el("tbody");
    for (const e of shard.endpoints) {
      const state = e.up ? "up" : "down";
      const rotation = e.role === "primary" ? "—" : (e.inRotation ? "in rotation" : "out of rotation");
      body.append(el("tr", {class: state, "data-endpoint": shard.name + "/" + e.name, "data-state": state},
        el("td", {}, e.name),
        el("td", {}, e.role),
        el("td", {}, el("span", {class: "state " + state}, state.toUpperCase())),
        el("td", {class: e.inRotation || e.role === "primary" ? "" : "out"}, rotation),
        el("td", {class: "num"}, lag(e)),
        el("td", {class: "num"}, e.activeConnections + " / " + e.idleConnections),
        el("td", {class: "error", title: e.lastError || ""}, e.up ? "" : (e.lastError || ""))));
    }
    root.append(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "endpoint"), el("th", {}, "role"), el("th", {}, "state"),
        el("th", {}, "rotation"), el("th", {class: "num"}, "lag (time / bytes)"), el("th", {class: "num"}, "active / idle"),
        el("th", {}, "last error"))),
      body));
  }
}

function renderRouting(routing) {
  document.getElementById("window").textContent = routing.windowSeconds;
  const body = document.querySelector("#reasons tbody");
  body.replaceChildren();
  const rows = Object.entries(routing.byReason).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of rows) {
    body.append(el("tr", {"data-reason": reason}, el("td", {}, reason),
      el("td", {}, reason.startsWith("replica") ? "replica" : "primary"), el("td", {class: "num"}, n)));
  }
  if (rows.length === 0) body.append(el("tr", {}, el("td", {colspan: 3, class: "muted"}, "no statements in the window")));
  const svg = document.getElementById("rate");
  svg.replaceChildren();
  const points = routing.perSecond;
  const max = Math.max(1, ...points.map(p => p[0] + p[1]));
  const w = 600 / Math.max(60, points.length);
  points.forEach((p, i) => {
    const hp = 78 * p[0] / max, hr = 78 * p[1] / max;
    const x = 600 - (points.length - i) * w;
    svg.append(svgRect(x, 80 - hp, w - 1, hp, "var(--primary)"), svgRect(x, 80 - hp - hr, w - 1, hr, "var(--replica)"));
  });
}

function svgRect(x, y, w, h, fill) {
  const r = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  for (const [k, v] of Object.entries({x, y, width: Math.max(0, w), height: Math.max(0, h), fill})) r.setAttribute(k, v);
  return r;
}

function renderFences(fences, windowSeconds, store) {
  document.getElementById("fence-window").textContent = windowSeconds;
  const body = document.querySelector("#fences tbody");
  body.replaceChildren(
    el("tr", {}, el("td", {}, "fence store"), el("td", {class: "num"}, store + (fences.storeUp ? " (up)" : " (DOWN: " + fences.storeDetail + ")"))),
    el("tr", {}, el("td", {}, "waits that caught up"), el("td", {class: "num"}, fences.waitsCaughtUp)),
    el("tr", {}, el("td", {}, "waits that timed out"), el("td", {class: "num"}, fences.waitsTimedOut)),
    el("tr", {}, el("td", {}, "fallbacks to the primary"), el("td", {class: "num"}, fences.fallbacks)),
    el("tr", {}, el("td", {}, "fence store unavailable"), el("td", {class: "num"}, fences.storeUnavailable)),
    el("tr", {}, el("td", {}, "fences not recorded (since start)"), el("td", {class: "num"}, fences.recordFailures)));
}

function bar(share) {
  const b = el("span", {class: "bar"});
  b.style.width = Math.round(200 * share) + "px"; // CSSOM, not a style attribute: allowed by the page's CSP
  return b;
}

function renderRing(ring) {
  const root = document.getElementById("ring");
  root.replaceChildren();
  if (!ring) {
    root.append(el("p", {class: "muted"}, "not sharded"));
    return;
  }
  const body = el("tbody");
  for (const o of ring.shards) {
    const pct = (100 * o.share).toFixed(1);
    body.append(el("tr", {}, el("td", {}, o.shard), el("td", {class: "num"}, o.weight),
      el("td", {}, bar(o.share), " " + pct + " %")));
  }
  root.append(el("p", {class: "muted"}, "ring version " + ring.version + ", " + ring.virtualNodes + " virtual nodes, "
    + ring.overrides + " pinned keys"),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "shard"), el("th", {class: "num"}, "weight"), el("th", {}, "hash space"))), body));
}

function render(s) {
  const endpoints = s.shards.flatMap(x => x.endpoints);
  const down = endpoints.filter(e => !e.up).length;
  document.getElementById("summary").textContent = s.dialect + ", " + s.shards.length + " shard(s), "
    + endpoints.length + " endpoints, " + (down === 0 ? "all up" : down + " down");
  renderTopology(s.shards);
  renderRouting(s.routing);
  renderFences(s.fences, s.routing.windowSeconds, s.fenceStore);
  renderRing(s.ring);
  document.getElementById("resharding").textContent = s.resharding ? JSON.stringify(s.resharding) : "none running";
  document.body.setAttribute("data-generated-at", s.generatedAt);
}

async function refresh() {
  try {
    const response = await fetch("status.json", {cache: "no-store"});
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    lastOk = Date.now();
  } catch (e) {
    // keep the last picture, but say it is old
  }
  const badge = document.getElementById("freshness");
  const stale = lastOk === 0 || Date.now() - lastOk > 3 * REFRESH_MS;
  badge.textContent = lastOk === 0 ? "no data" : (stale ? "stale: status.json unreachable" : "live");
  badge.className = "badge " + (stale ? "stale" : "live");
  setTimeout(refresh, REFRESH_MS);
}

refresh();
