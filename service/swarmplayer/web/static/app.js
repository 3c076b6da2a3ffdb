// The phone remote. The API is its only back end; the device's token is in localStorage and
// goes in an Authorization header (never a cookie), live state comes by server-sent events
// read with fetch() (EventSource cannot send the header).
"use strict";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "swarmplayer.token";
let token = localStorage.getItem(TOKEN_KEY);
let player = null;

class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.error;
  }
}

// A fetch that fails (no answer at all) means the box is off or gone: the page says so. (The
// service worker cannot: on plain http://<LAN IP> a browser does not register one.)
function reachable(yes) { $("offline").hidden = yes; }

async function api(method, path, body) {
  const sent = token;
  const headers = {};
  if (sent) headers.Authorization = `Bearer ${sent}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let reply;
  try {
    reply = await fetch(`/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    reachable(false);
    throw new ApiError(0, { message: "Box offline: it does not answer", error: "offline" });
  }
  reachable(true);
  if (reply.status === 204) return null;
  const data = await reply.json().catch(() => ({}));
  if (reply.status === 401 && path !== "/pairing/claim") showPairing(sent);
  if (!reply.ok) throw new ApiError(reply.status, data);
  return data;
}

function say(text) { $("status-line").textContent = text; }

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") node.addEventListener("click", v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

function bytes(n) {
  if (!n) return "0 B";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i ? 1 : 0)} ${units[i]}`;
}

// ---- pairing ----
// A 401 forgets the token it answered and no other: an answer to a request sent before this page
// or another tab paired must not throw the new token away.
function showPairing(rejected = token) {
  if (token !== rejected) return;
  token = null;
  if (localStorage.getItem(TOKEN_KEY) === rejected) localStorage.removeItem(TOKEN_KEY);
  $("app").hidden = true;
  $("boxes-open").hidden = true;
  $("pair-screen").hidden = false;
  codeFromLink();
  if (!$("pair-name").value) $("pair-name").value = guessName();
}

// The code of the TV's QR link (/pair#code=…), in the field from the first moment: the
// pairing screen shows once the API has answered, which on a slow box takes a while.
function codeFromLink() {
  const code = new URLSearchParams(location.hash.slice(1)).get("code");
  if (code) $("pair-code").value = code;
}
codeFromLink();

function guessName() {
  const ua = navigator.userAgent;
  const kind = /iPhone/.test(ua) ? "iPhone" : /iPad/.test(ua) ? "iPad" : /Android/.test(ua) ? "Android phone" : "Browser";
  return `${kind} ${new Date().toISOString().slice(0, 10)}`;
}

$("pair-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("pair-error").textContent = "";
  try {
    const answer = await api("POST", "/pairing/claim",
      { code: $("pair-code").value.trim(), name: $("pair-name").value });
    token = answer.token;
    localStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, "", "/");
    start();
  } catch (err) {
    $("pair-error").textContent = err.message;
  }
});

// ---- screens ----
function show(screen) {
  for (const button of document.querySelectorAll("nav button")) {
    if (button.dataset.screen === screen) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== screen;
  if (screen === "library") loadLibrary();
  if (screen === "status") loadStatus();
  if (screen === "boxes") loadBoxes();
}
for (const button of document.querySelectorAll("nav button")) {
  button.addEventListener("click", () => show(button.dataset.screen));
}

// ---- now playing ----
function renderPlayer(p) {
  player = p;
  const words = !p.connected ? "The TV is not connected (start Kodi with the SwarmPlayer add-on)"
    : p.state === "idle" ? "Nothing plays" : p.state[0].toUpperCase() + p.state.slice(1);
  $("tv-state").textContent = words;
  $("now-name").textContent = p.state === "idle" ? "" : (p.title || "");
  const seek = $("seek");
  if (document.activeElement !== seek) {
    seek.max = String(Math.ceil(p.duration || 0));
    seek.value = String(Math.floor(p.position || 0));
  }
  $("now-time").textContent = `${clock(p.position)} / ${clock(p.duration)}`;
  $("toggle").textContent = p.state === "paused" ? "Play" : "Pause";
  if (p.volume !== null && p.volume !== undefined && document.activeElement !== $("volume")) {
    $("volume").value = String(p.volume);
  }
  // The tracks of what plays: a choice of audio only where there is one, subtitles with "Off".
  const audio = p.state === "idle" ? [] : (p.audio_streams || []);
  const subtitles = p.state === "idle" ? [] : (p.subtitles || []);
  $("audio-row").hidden = audio.length < 2;
  $("subtitle-row").hidden = !subtitles.length;
  showTracks($("audio"), audio, p.audio, null);
  showTracks($("subtitle"), subtitles, p.subtitle, "Off");
}

// Options are rebuilt only when the list changes, and the one in use is not moved under a
// finger that is choosing.
function showTracks(select, tracks, current, off) {
  const options = (off ? [["off", off]] : []).concat(tracks.map((t) => [String(t.index), t.name]));
  const key = JSON.stringify(options);
  if (select.dataset.tracks !== key) {
    select.replaceChildren(...options.map(([value, name]) => el("option", { value }, name)));
    select.dataset.tracks = key;
  }
  if (document.activeElement !== select) {
    select.value = current === null || current === undefined ? (off ? "off" : "") : String(current);
  }
}

async function command(path, body) {
  try {
    await api("POST", `/player/${path}`, body);
  } catch (err) {
    say(err.message);
  }
}
$("toggle").addEventListener("click", () => command(player && player.state === "paused" ? "resume" : "pause"));
$("stop").addEventListener("click", () => command("stop"));
$("back30").addEventListener("click", () => command("seek", { offset: -30 }));
$("fwd30").addEventListener("click", () => command("seek", { offset: 30 }));
$("seek").addEventListener("change", () => command("seek", { position: Number($("seek").value) }));
$("volume").addEventListener("change", () => command("volume", { volume: Number($("volume").value) }));
$("audio").addEventListener("change", () => command("audio", { index: Number($("audio").value) }));
$("subtitle").addEventListener("change", () => {
  const chosen = $("subtitle").value;
  command("subtitle", { index: chosen === "off" ? null : Number(chosen) });
});

// ---- downloads ----
// The API's states in a viewer's words: "finished" is what it wants now being in (a prefetched
// head, a pack's played episode), the percent saying how much of all of it is on the box.
const STATE_WORDS = { finished: "ready", checking_files: "checking",
                      downloading_metadata: "finding its metadata", seeding: "on the box, sharing",
                      disk_full: "disk full", broken: "broken: add it again" };

function renderTorrents(list) {
  const ul = $("torrents");
  ul.replaceChildren();
  if (!list.length) ul.append(el("li", { class: "muted" }, "Nothing downloaded yet"));
  for (const t of list) {
    const pct = Math.round((t.progress || 0) * 100);
    const item = el("li", { "data-info-hash": t.info_hash },
      el("span", { class: "title" }, t.name || t.info_hash),
      el("label", { for: `p-${t.info_hash}` }, `${pct} % · ${STATE_WORDS[t.state] || t.state} · ↓ ${bytes(t.download_rate)}/s · ${t.peers ?? 0} peers`),
      el("progress", { id: `p-${t.info_hash}`, max: "100", value: String(pct) }),
      el("button", { type: "button", onclick: () => playOnTv({ info_hash: t.info_hash }) }, "Play on TV"),
      el("button", { type: "button", onclick: () => remove(t) }, "Remove"));
    ul.append(item);
  }
}

async function remove(t) {
  if (!confirm(`Remove ${t.name || t.info_hash} and its data?`)) return;
  try { await api("DELETE", `/torrents/${t.info_hash}`); } catch (err) { say(err.message); }
}

async function playOnTv(body) {
  try {
    await api("POST", "/player/play", body);
    show("now");
    return true;
  } catch (err) {
    say(err.message);
    return false;
  }
}

// ---- add a magnet or link ----
$("add-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const how = event.submitter ? event.submitter.value : "download";
  $("add-result").textContent = "Adding…";
  try {
    const added = await api("POST", "/torrents", { source: $("source").value.trim() });
    if (how === "play") {
      $("add-result").textContent = `Added ${added.name}; sending it to the TV…`;
      if (await playOnTv({ info_hash: added.info_hash })) $("add-result").textContent = `Playing ${added.name} on the TV`;
    } else {
      await api("POST", `/torrents/${added.info_hash}/download`).catch(() => null);
      $("add-result").textContent = `Downloading ${added.name} for later`;
      show("downloads");
    }
    $("source").value = "";
  } catch (err) {
    $("add-result").textContent = err.message;
  }
});

// ---- shows (the feeds API) ----
async function loadLibrary() {
  try {
    const next = await api("GET", "/episodes?list=next_up");
    const ul = $("next-up");
    ul.replaceChildren(...next.episodes.map(episodeItem));
    if (!next.episodes.length) ul.append(el("li", { class: "muted" }, "Nothing new"));
    await listShows();
  } catch (err) {
    $("next-up").replaceChildren(el("li", { class: "muted" }, err.status === 404 ? "Shows are not available on this box yet" : err.message));
  }
}

function episodeItem(e) {
  const notes = [e.title, e.watched ? "Watched" : e.position ? `Stopped at ${clock(e.position)}` : "",
    e.prefetch === "ready" ? "Starts instantly" : ""].filter(Boolean);
  const item = el("li", { "data-episode": e.id }, el("span", { class: "title" }, `${e.show_title} ${e.label}`));
  if (notes.length) item.append(el("br"), el("span", { class: "muted" }, notes.join(" · ")));
  item.append(el("br"),
    el("button", { type: "button", onclick: () => playOnTv({ episode_id: e.id }) }, "Play on TV"), " ",
    el("button", { type: "button", onclick: () => markWatched(e, item) }, e.watched ? "Mark unwatched" : "Mark watched"));
  return item;
}

// The answer is the episode as it is now: the item is drawn again from it.
async function markWatched(e, item) {
  try { item.replaceWith(episodeItem(await api("PUT", `/episodes/${e.id}/progress`, { watched: !e.watched }))); }
  catch (err) { say(err.message); }
}

async function listShows() {
  const shows = await api("GET", "/shows?subscribed=true");
  $("shows-back").hidden = true;
  $("shows-title").textContent = "Your shows";
  $("shows").replaceChildren(...shows.shows.map((s) => el("li", {},
    el("span", { class: "title" }, s.title), el("br"),
    el("span", { class: "muted" }, `${s.unwatched} unwatched of ${s.episodes}`), el("br"),
    el("button", { type: "button", onclick: () => openShow(s.id) }, "Seasons"))));
}

async function openShow(id) {
  const show = await api("GET", `/shows/${id}`);
  $("shows-title").textContent = show.title;
  $("shows-back").hidden = false;
  $("shows").replaceChildren(...show.seasons.map((s) => el("li", {},
    el("button", { type: "button", onclick: () => openSeason(id, s.season) },
      s.season === null ? "Episodes" : `Season ${s.season} (${s.unwatched} unwatched)`))));
}

async function openSeason(id, season) {
  const query = season === null ? "" : `?season=${season}`;
  const list = await api("GET", `/shows/${id}/episodes${query}`);
  $("shows").replaceChildren(...list.episodes.map(episodeItem));
}
$("shows-back").addEventListener("click", () => listShows().catch((err) => say(err.message)));

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = $("search-results");
  out.replaceChildren(el("p", { class: "muted" }, "Searching…"));
  try {
    const found = await api("GET", `/search?q=${encodeURIComponent($("search-q").value)}`);
    // An indexer that failed is said; what the others found still shows.
    const said = found.errors.map((e) => el("p", { class: "error" }, e.message));
    if (!found.results.length) said.push(el("p", { class: "muted" }, "Nothing found"));
    out.replaceChildren(...said, el("ul", { class: "list" }, ...found.results.map(searchResult)));
  } catch (err) {
    out.replaceChildren(el("p", { class: "error" }, err.message));
  }
});

// One episode found by the indexers: subscribe to its show, or play one of its releases.
function searchResult(r) {
  const name = r.show_title || "";
  const follow = r.subscription_id ? el("span", { class: "muted" }, "Subscribed")
    : name ? el("button", { type: "button", onclick: () => subscribe(name) }, `Subscribe to ${name}`) : "";
  return el("li", {}, el("span", { class: "title" }, `${name} ${r.label}`.trim()), el("br"), follow,
    ...r.releases.map((x) => el("div", { class: "release" },
      el("span", { class: "muted" }, [x.resolution, x.source, x.size ? bytes(x.size) : "",
        x.seeders != null ? `${x.seeders} seeders` : "", x.indexer].filter(Boolean).join(" · ")), el("br"),
      el("button", { type: "button", "aria-label": `Play ${x.title} on TV`, onclick: () => playRelease(x) }, "Play on TV"))));
}

async function playRelease(x) {
  try {
    const added = await api("POST", "/search/add", { indexer_id: x.indexer_id, link: x.link });
    await playOnTv({ info_hash: added.info_hash });
  } catch (err) { say(err.message); }
}

async function subscribe(showTitle) {
  try {
    await api("POST", "/subscriptions", { show: showTitle });
    say(`Subscribed to ${showTitle}`);
    loadLibrary();
  } catch (err) { say(err.message); }
}

// ---- status ----
async function loadStatus() {
  try {
    const [health, info, devices] = await Promise.all(
      [api("GET", "/health"), api("GET", "/info"), api("GET", "/devices")]);
    const sys = health.system || {};
    const rows = [["State", health.status], ["Torrents", String(health.torrents ?? "")],
      ["Profile", health.profile ? health.profile.name : ""],
      ["CPU", sys.cpu_percent != null ? `${sys.cpu_percent} %` : ""],
      ["Memory of the service", sys.rss ? bytes(sys.rss) : ""]];
    $("health").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v || "–")]));
    $("box-info").replaceChildren(...[["Name", info.friendly_name], ["Version", info.version],
      ["Address", location.host], ["Id", info.id]].flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v || "–")]));
    $("devices").replaceChildren(...devices.devices.map((d) => el("li", {}, el("span", { class: "title" }, d.name), el("br"),
      el("button", { type: "button", onclick: () => revoke(d) }, `Revoke ${d.name}`))));
  } catch (err) { say(err.message); }
}

async function revoke(d) {
  if (!confirm(`Revoke ${d.name}? It will have to pair again.`)) return;
  try { await api("DELETE", `/devices/${d.id}`); loadStatus(); } catch (err) { say(err.message); }
}
$("unpair").addEventListener("click", async () => {
  const me = await api("GET", "/pairing/me").catch(() => null);
  if (me && me.device) await api("DELETE", `/devices/${me.device.id}`).catch(() => null);
  showPairing();
});

// ---- boxes on this network (the service's own browse, each box confirmed) ----
async function loadBoxes() {
  const ul = $("box-list");
  ul.replaceChildren(el("li", { class: "muted" }, "Looking for boxes…"));
  try {
    const found = await api("GET", "/boxes");
    ul.replaceChildren(...found.boxes.map(boxItem));
    if (!found.discovery) ul.append(el("li", { class: "muted" }, "Discovery is off on this box: it does not look for others"));
  } catch (err) {
    ul.replaceChildren(el("li", { class: "error" }, err.message));
  }
}

function boxItem(b) {
  const state = b.this ? "This box" : b.online ? "Online" : "Offline (listed, not answering)";
  const parts = [el("span", { class: "title" }, b.name), el("br"),
    el("span", { class: "muted" }, `${state} · version ${b.version || "?"}`)];
  if (!b.this && b.online) parts.push(el("br"), el("a", { class: "button", href: `${b.url}/` }, `Open ${b.name}`));
  return el("li", { "data-box": b.id }, ...parts);
}
$("boxes-open").addEventListener("click", () => show("boxes"));
$("boxes-again").addEventListener("click", loadBoxes);

// ---- live state ----
async function follow() {
  let wait = 1000;
  for (;;) {
    try {
      const sent = token;
      const reply = await fetch("/api/v1/events", { headers: sent ? { Authorization: `Bearer ${sent}` } : {} });
      if (reply.status === 401) { showPairing(sent); return; }
      if (!reply.ok) throw new Error(`events: HTTP ${reply.status}`);
      reachable(true);
      say("");
      wait = 1000;
      const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (err) {
      // fetch() and the stream's reads fail with a TypeError when nothing answers
      if (err instanceof TypeError) reachable(false);
      else say(`${err.message}; trying again…`);
    }
    if (!token && $("app").hidden) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 30000);
  }
}

function dispatch(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5));
  }
  if (!data.length) return;
  const value = JSON.parse(data.join("\n"));
  if (name === "player") renderPlayer(value);
  else if (name === "torrents") renderTorrents(value.torrents);
}

async function start() {
  try {
    await api("GET", "/pairing/me");
  } catch (err) {
    if (err.status === 401) return; // the pairing screen is up
    say(err.message);
  }
  $("pair-screen").hidden = true;
  $("app").hidden = false;
  $("boxes-open").hidden = false;
  const info = await api("GET", "/info").catch(() => null);
  if (info && info.friendly_name) $("box-name").textContent = info.friendly_name;
  const shared = new URLSearchParams(location.search);
  const source = shared.get("share_url") || shared.get("share");
  if (source) { $("source").value = source; show("add"); }
  follow();
}

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => null);
start();
