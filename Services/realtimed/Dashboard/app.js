// kafka-web-proxy dashboard: connects with the official Socket.IO client that realtimed serves at
// /socket.io.min.js and shows every topic, a live chart of numeric sensor values, and the number
// of connected clients. No external resources: works offline.
"use strict";

(function () {
  const RATE_WINDOW_MS = 10000;
  const MAX_POINTS_PER_SERIES = 2000;
  const COLORS = ["#58a6ff", "#3fb950", "#d29922", "#f85149", "#bc8cff", "#39c5cf", "#ff9bce", "#e6c07b"];
  const SKIP_EVENTS = new Set(["sensor_values", "sensor_values_cache", "connected_clients"]);

  /** topic -> {family, count, arrivals[], latest, updated, row, series: Map(field -> [[t, v]])} */
  const topics = new Map();
  let eventTotal = 0;
  let renderQueued = false;
  const dirty = new Set();

  const $ = (id) => document.getElementById(id);
  const rows = $("topic-rows");
  const chartTopic = $("chart-topic");

  function topicState(name) {
    let state = topics.get(name);
    if (!state) {
      state = { name, families: new Set(), counts: { sensor: 0, pricewars: 0 }, arrivals: { sensor: [], pricewars: [] },
                latest: undefined, updated: 0, series: new Map(), row: null };
      topics.set(name, state);
      addRow(state);
    }
    return state;
  }

  function addRow(state) {
    const row = document.createElement("tr");
    row.dataset.topic = state.name;
    row.dataset.count = "0";
    row.innerHTML = '<td class="topic"></td><td class="family"></td><td class="value"></td>' +
      '<td class="num count">0</td><td class="num rate">0.0</td><td class="updated">–</td>' +
      '<td class="num age">–</td><td class="num lag">–</td>';
    row.querySelector(".topic").textContent = state.name;
    // Keep the table sorted by topic name.
    const after = Array.from(rows.children).find((other) => other.dataset.topic > state.name);
    rows.insertBefore(row, after || null);
    state.row = row;
    $("no-topics").hidden = true;
  }

  /** A record arrived. live: counted toward count and rate (cache and history are not). */
  function record(name, family, value, timestampSeconds, live) {
    const state = topicState(name);
    state.families.add(family);
    state.latest = value;
    state.updated = timestampSeconds;
    if (live) {
      state.counts[family] += 1;
      state.arrivals[family].push(performance.now());
    }
    const data = value && typeof value === "object" && !Array.isArray(value)
      ? (value.data && typeof value.data === "object" ? value.data : (family === "sensor" ? value : null)) : null;
    // A sensor record reaches the page through both families: chart it at its own timestamp so
    // the second copy is recognised.
    const pointTime = value && typeof value.timestamp === "number" && value.data ? value.timestamp : timestampSeconds;
    if (data) addPoints(state, data, pointTime);
    dirty.add(state);
    scheduleRender();
  }

  function addPoints(state, data, t) {
    let added = false;
    for (const [field, v] of Object.entries(data)) {
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      let points = state.series.get(field);
      if (!points) { points = []; state.series.set(field, points); }
      if (points.length && points[points.length - 1][0] >= t) continue; // same record via both families
      points.push([t, v]);
      if (points.length > MAX_POINTS_PER_SERIES) points.splice(0, points.length - MAX_POINTS_PER_SERIES);
      added = true;
    }
    if (added && !Array.from(chartTopic.options).some((o) => o.value === state.name)) {
      const option = new Option(state.name, state.name);
      chartTopic.add(option);
      if (!chartTopic.value || (!chartTopic.value.startsWith("stcs.") && state.name.startsWith("stcs."))) {
        chartTopic.value = state.name;
      }
    }
  }

  function countEvent(name) {
    eventTotal += 1;
    $("last-event").textContent = "last event: " + name + " at " + new Date().toLocaleTimeString();
    $("last-event").dataset.value = name;
  }

  function summary(value) {
    if (value === null || value === undefined) return String(value);
    if (typeof value !== "object") return String(value);
    const shown = value.data && typeof value.data === "object" && !Array.isArray(value.data) ? value.data : value;
    if (Array.isArray(shown)) return JSON.stringify(shown).slice(0, 300);
    return Object.entries(shown).map(([k, v]) =>
      k + "=" + (typeof v === "object" ? JSON.stringify(v) : (typeof v === "number" ? formatNumber(v) : v))
    ).join("  ").slice(0, 300);
  }

  function formatAge(seconds) {
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + " s";
    if (seconds < 3600) return (seconds / 60).toFixed(0) + " min";
    return (seconds / 3600).toFixed(1) + " h";
  }

  /** ingestd's consumer lag per topic, from /status (absent when the page may not read it). */
  async function pollStatus() {
    try {
      const response = await fetch("status", { cache: "no-store" });
      if (!response.ok) return;
      const status = await response.json();
      for (const [name, topic] of Object.entries(status)) {
        if (!topics.has(name)) continue;
        const state = topics.get(name);
        state.lag = topic.consumer_lag;
        dirty.add(state);
      }
      scheduleRender();
    } catch (error) { /* realtimed unreachable: the socket's status says so */ }
  }
  setInterval(pollStatus, 2000);

  function formatNumber(v) {
    return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 1);
  }

  function rate(state, family, now) {
    const arrivals = state.arrivals[family];
    while (arrivals.length && arrivals[0] < now - RATE_WINDOW_MS) arrivals.shift();
    return arrivals.length / (RATE_WINDOW_MS / 1000);
  }

  function renderRow(state, now) {
    const family = state.counts.sensor >= state.counts.pricewars && state.families.has("sensor") ? "sensor" : "pricewars";
    const count = Math.max(state.counts.sensor, state.counts.pricewars);
    const row = state.row;
    const previous = row.dataset.count;
    row.dataset.count = String(count);
    row.dataset.family = Array.from(state.families).sort().join(" ");
    row.dataset.updated = String(state.updated);
    row.querySelector(".family").textContent = Array.from(state.families).sort().join(", ");
    row.querySelector(".value").textContent = summary(state.latest);
    row.querySelector(".value").title = JSON.stringify(state.latest);
    row.querySelector(".count").textContent = String(count);
    const perSecond = rate(state, family, now);
    row.dataset.rate = perSecond.toFixed(1);
    row.querySelector(".rate").textContent = perSecond.toFixed(1);
    row.querySelector(".updated").textContent = state.updated ? new Date(state.updated * 1000).toLocaleTimeString() : "–";
    // Freshness: how old the newest value is, and how far ingestd is behind Kafka (from /status).
    const age = state.updated ? Math.max(0, Date.now() / 1000 - state.updated) : undefined;
    row.dataset.age = age === undefined ? "" : age.toFixed(1);
    row.querySelector(".age").textContent = age === undefined ? "–" : formatAge(age);
    row.dataset.lag = state.lag === undefined || state.lag === null ? "" : String(state.lag);
    row.querySelector(".lag").textContent = row.dataset.lag || "–";
    if (previous !== row.dataset.count) {
      row.classList.remove("fresh");
      void row.offsetWidth; // restart the highlight animation
      row.classList.add("fresh");
    }
  }

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(render);
  }

  function render() {
    renderQueued = false;
    const now = performance.now();
    for (const state of dirty) renderRow(state, now);
    dirty.clear();
    $("event-total").textContent = String(eventTotal);
    $("event-total").dataset.value = String(eventTotal);
    drawChart();
  }

  // Rates decay when records stop: refresh every row once a second.
  setInterval(() => { topics.forEach((state) => dirty.add(state)); scheduleRender(); }, 1000);

  function drawChart() {
    const canvas = $("chart");
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 960, height = canvas.clientHeight || 320;
    if (canvas.width !== Math.round(width * ratio)) { canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio); }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const state = topics.get(chartTopic.value);
    const legend = $("chart-legend");
    if (!state || state.series.size === 0) {
      g.fillStyle = "#8a96a3"; g.font = "13px sans-serif";
      g.fillText("waiting for numeric sensor values…", 16, 24);
      canvas.dataset.points = "0";
      legend.textContent = "";
      return;
    }
    // The window: the chosen span, or less while the page has seen less (at least 30 s).
    let tMax = -Infinity, tFirst = Infinity;
    state.series.forEach((points) => {
      if (!points.length) return;
      tMax = Math.max(tMax, points[points.length - 1][0]);
      tFirst = Math.min(tFirst, points[0][0]);
    });
    const windowSeconds = Math.max(30, Math.min(Number($("chart-window").value), tMax - tFirst));
    const tMin = tMax - windowSeconds;
    const normalize = $("chart-normalize").checked;
    const ranges = new Map();
    let vMin = Infinity, vMax = -Infinity, total = 0;
    state.series.forEach((points, field) => {
      let low = Infinity, high = -Infinity;
      for (const [t, v] of points) {
        if (t < tMin) continue;
        low = Math.min(low, v); high = Math.max(high, v); total += 1;
      }
      if (low === high) { low -= 1; high += 1; }
      ranges.set(field, [low, high]);
      vMin = Math.min(vMin, low); vMax = Math.max(vMax, high);
    });
    if (normalize) { vMin = 0; vMax = 100; }
    if (vMin === vMax) { vMin -= 1; vMax += 1; }
    const pad = { left: 56, right: 12, top: 10, bottom: 24 };
    const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
    const x = (t) => pad.left + ((t - tMin) / windowSeconds) * plotW;
    const y = (v) => pad.top + (1 - (v - vMin) / (vMax - vMin)) * plotH;

    // Grid and axis labels.
    g.strokeStyle = "#2a323c"; g.fillStyle = "#8a96a3"; g.font = "11px sans-serif"; g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const v = vMin + ((vMax - vMin) * i) / 4, yy = Math.round(y(v)) + 0.5;
      g.beginPath(); g.moveTo(pad.left, yy); g.lineTo(width - pad.right, yy); g.stroke();
      g.fillText(formatNumber(v) + (normalize ? " %" : ""), 4, yy + 4);
    }
    for (let i = 0; i <= 5; i++) {
      const t = tMin + (windowSeconds * i) / 5, xx = Math.round(x(t)) + 0.5;
      g.beginPath(); g.moveTo(xx, pad.top); g.lineTo(xx, height - pad.bottom); g.stroke();
      g.fillText(new Date(t * 1000).toLocaleTimeString(), Math.min(xx - 24, width - 60), height - 6);
    }

    // One line per numeric field.
    legend.textContent = "";
    let index = 0;
    state.series.forEach((points, field) => {
      const color = COLORS[index++ % COLORS.length];
      g.strokeStyle = color; g.lineWidth = 1.5; g.beginPath();
      let started = false;
      const [low, high] = ranges.get(field);
      for (const [t, raw] of points) {
        if (t < tMin) continue;
        const v = normalize ? ((raw - low) / (high - low)) * 100 : raw;
        if (started) g.lineTo(x(t), y(v)); else { g.moveTo(x(t), y(v)); started = true; }
      }
      g.stroke();
      const item = document.createElement("span");
      item.style.setProperty("--swatch", color);
      const last = points[points.length - 1];
      item.textContent = field + " " + (last ? formatNumber(last[1]) : "");
      legend.appendChild(item);
    });
    canvas.dataset.points = String(total);
    canvas.dataset.topic = state.name;
  }

  chartTopic.addEventListener("change", scheduleRender);
  $("chart-window").addEventListener("change", scheduleRender);
  $("chart-normalize").addEventListener("change", scheduleRender);
  window.addEventListener("resize", scheduleRender);

  function setStatus(state, text) {
    document.body.dataset.connection = state;
    $("status").dataset.state = state;
    $("status").textContent = text;
  }

  if (typeof io !== "function") {
    setStatus("disconnected", "socket.io client not loaded (/socket.io.min.js)");
    return;
  }
  const socket = io({ transports: ["polling", "websocket"] });

  function showTransport() {
    const name = socket.io.engine && socket.io.engine.transport ? socket.io.engine.transport.name : "";
    $("transport").textContent = name || "–";
    $("transport").dataset.value = name;
  }

  socket.on("connect", () => {
    setStatus("connected", "connected");
    showTransport();
    socket.io.engine.once("upgrade", showTransport);
  });
  socket.on("disconnect", (reason) => setStatus("disconnected", "disconnected (" + reason + ")"));
  socket.on("connect_error", (error) => setStatus("disconnected", "cannot connect: " + error.message));
  socket.io.on("reconnect_attempt", () => setStatus("connecting", "reconnecting…"));

  // Solar gateway family: {topic, timestamp (s), data}.
  socket.on("sensor_values_cache", (message) => {
    countEvent("sensor_values_cache");
    if (message && message.topic) record(message.topic, "sensor", message.data, Number(message.timestamp) || 0, false);
  });
  socket.on("sensor_values", (message) => {
    countEvent("sensor_values");
    if (message && message.topic) record(message.topic, "sensor", message.data, Number(message.timestamp) || 0, true);
  });
  socket.on("connected_clients", (message) => {
    countEvent("connected_clients");
    const count = typeof message === "number" ? message
      : (message && (message.connected_clients ?? message.count ?? message.clients));
    $("clients").textContent = String(count);
    $("clients").dataset.value = String(count);
  });

  // Price Wars family: an event named after the topic; an array (history, oldest first) right
  // after connecting, then {topic, timestamp (ms), value} per record, as a JSON string (the
  // original proxy's json.dumps) unless PRICEWARS_LIVE_OBJECTS is on.
  socket.onAny((event, message) => {
    if (SKIP_EVENTS.has(event)) return;
    countEvent(event);
    if (typeof message === "string") {
      try { message = JSON.parse(message); } catch (error) { return; }
    }
    if (Array.isArray(message)) {
      for (const item of message) {
        if (item && typeof item === "object") record(item.topic || event, "pricewars", item.value, (Number(item.timestamp) || 0) / 1000, false);
      }
    } else if (message && typeof message === "object" && "value" in message) {
      record(message.topic || event, "pricewars", message.value, (Number(message.timestamp) || 0) / 1000, true);
    }
  });
})();
