// Live figures on the console's occupancy pages, pushed by the server (server-sent events).
// The element #live names the stream (data-stream), the polling fallback (data-poll) and the
// interval in seconds (data-interval). Each message is {updated: "21:03:05", sites: {id:
// {figure: value}}}: the text of every [data-figure] inside [data-site="id"] is set, and
// #live-updated-at shows when. If the stream cannot be held (EventSource closed it for good:
// an error status, or a proxy that refuses streams), the page polls data-poll instead. With no
// update for three intervals the page says its figures may be stale. When the session ends
// (logout elsewhere, expiry) the server says "signed-out" and the page reloads to the login.
(function () {
  "use strict";

  var box = document.getElementById("live");
  if (!box) { return; }
  var interval = Math.max(1, Number(box.getAttribute("data-interval")) || 5) * 1000;
  var lastUpdate = Date.now();
  var pollTimer = null;

  function setStale(stale) {
    box.classList.toggle("stale", stale);
    document.getElementById("live-stale").hidden = !stale;
  }

  function apply(data) {
    document.getElementById("live-updated-at").textContent = data.updated;
    Object.keys(data.sites).forEach(function (siteId) {
      var figures = data.sites[siteId];
      document.querySelectorAll("[data-site]").forEach(function (holder) {
        if (holder.getAttribute("data-site") !== siteId) { return; }
        holder.querySelectorAll("[data-figure]").forEach(function (cell) {
          var value = figures[cell.getAttribute("data-figure")];
          if (value === undefined) { return; }
          cell.textContent = String(value);
          cell.setAttribute("data-value", String(value));
        });
      });
    });
    lastUpdate = Date.now();
    setStale(false);
    document.dispatchEvent(new CustomEvent("parking:live"));
  }

  function poll() {
    fetch(box.getAttribute("data-poll"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); }
        return response.ok ? response.json() : null;
      })
      .then(function (data) { if (data) { apply(data); } })
      .catch(function () { /* stays stale; the next poll tries again */ });
  }

  function startPolling() {
    if (pollTimer === null) {
      pollTimer = setInterval(poll, interval);
      poll();
    }
  }

  function connect() {
    if (!window.EventSource) { startPolling(); return; }
    var source = new EventSource(box.getAttribute("data-stream"));
    source.onmessage = function (event) { apply(JSON.parse(event.data)); };
    source.addEventListener("signed-out", function () { source.close(); window.location.reload(); });
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) { startPolling(); }
    };
  }

  setInterval(function () { if (Date.now() - lastUpdate > 3 * interval) { setStale(true); } }, 1000);
  connect();
}());
