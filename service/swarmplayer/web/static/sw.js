// The page's shell is kept so that a phone whose box is off sees "box offline", not a browser
// error. API answers are never cached: they are live state and need the token.
const CACHE = "swarmplayer-shell-v1";
const SHELL = ["/", "/static/app.css", "/static/app.js", "/static/icon.svg", "/static/offline.html"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin
      || url.pathname.startsWith("/api/") || url.pathname.startsWith("/stream/")) {
    return;
  }
  if (event.request.mode === "navigate") {
    // The box answers: the fresh page. It does not: the offline page.
    event.respondWith(fetch(event.request).catch(() => caches.match("/static/offline.html")));
    return;
  }
  event.respondWith(fetch(event.request).catch(() => caches.match(event.request)));
});
