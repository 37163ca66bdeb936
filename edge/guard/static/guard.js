// The guard page. The gate pushes its state over server-sent events (/api/stream); while the
// stream is down the page polls /api/state and tries the stream again; when no word has come for
// a while it says the data may be stale. Every POST carries the session's CSRF token.
import {ask, setUpActions} from "./actions.js";
import {audible, chime, chimeEnabled, toggleChime, unlock} from "./chime.js";
import {loadCatalogue, setSiteClock, siteTime, switchLanguage, t, translatePage} from "./i18n.js";
import {forgetCards, render, setHandlers, tickWaits} from "./render.js";
import {setUpZoom, showSnapshot} from "./zoom.js";

const $ = (id) => document.getElementById(id);
const STREAM_RETRY_MS = 15000;
const REMIND_MS = 60000; // the chime again while a driver still waits
let csrf = "";
let live = {heartbeat_s: 10, poll_s: 3};
let state = null;
const feed = {source: null, openedAt: 0, mode: "off", freshAt: 0, freshGateTime: null, pollTimer: null,
  retryTimer: null};
let chimedAt = 0;

async function api(path, body) {
  const options = body === undefined ? {} : {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}};
  try {
    const response = await fetch(path, {credentials: "same-origin", ...options});
    const data = await response.json().catch(() => ({}));
    return {status: response.status, ok: response.ok, data};
  } catch (error) {
    return {status: 0, ok: false, data: {}};
  }
}

function useSession(data) {
  csrf = data.csrf;
  if (data.live) live = data.live;
}

function showLoggedIn(loggedIn) {
  $("login-view").hidden = loggedIn;
  $("main-view").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
  $("chime").hidden = !loggedIn;
  if (loggedIn) { connect(); } else { stopFeed(); $("feed").hidden = true; $("stale").hidden = true; }
}

// -- the feed: stream, polling, staleness ------------------------------------------------------

function fresh(gateTime) {
  feed.freshAt = Date.now();
  feed.freshGateTime = gateTime;
  setSiteClock(null, gateTime);
  checkStale();
}

function setMode(mode) {
  feed.mode = mode;
  $("feed").hidden = false;
  $("feed").textContent = mode === "live" ? t("live") : t("polling");
  $("feed").classList.toggle("down", mode !== "live");
}

function apply(next) {
  state = next;
  setSiteClock(next.timezone, next.now);
  const arrived = render(next);
  if (arrived.length) { ring(); $("queue-section").classList.remove("arrived"); void $("queue-section").offsetWidth;
    $("queue-section").classList.add("arrived"); }
  fresh(next.now);
}

function connect() {
  if (feed.source) feed.source.close();
  const source = new EventSource("/api/stream");
  feed.source = source;
  feed.openedAt = Date.now();
  source.addEventListener("state", (event) => {
    stopPolling();
    setMode("live");
    apply(JSON.parse(event.data));
  });
  source.addEventListener("ping", (event) => { setMode("live"); fresh(JSON.parse(event.data).now); });
  source.addEventListener("ended", () => { source.close(); sessionEnded(); });
  source.onerror = () => {
    source.close();
    if (feed.source === source) feed.source = null;
    startPolling();
  };
}

function startPolling() {
  setMode("polling");
  if (!feed.pollTimer) { feed.pollTimer = setInterval(poll, live.poll_s * 1000); poll(); }
  if (!feed.retryTimer) {
    feed.retryTimer = setTimeout(() => { feed.retryTimer = null; if (!$("main-view").hidden) connect(); },
      STREAM_RETRY_MS);
  }
}

function stopPolling() {
  clearInterval(feed.pollTimer);
  feed.pollTimer = null;
}

function stopFeed() {
  if (feed.source) feed.source.close();
  feed.source = null;
  stopPolling();
  clearTimeout(feed.retryTimer);
  feed.retryTimer = null;
}

async function poll() {
  const result = await api("/api/state");
  if (result.status === 401) { sessionEnded(); return; }
  if (result.ok) apply(result.data);
}

function staleAfterMs() {
  return 2.5 * Math.max(live.heartbeat_s, live.poll_s) * 1000;
}

function checkStale() {
  const stale = !$("main-view").hidden && feed.freshAt > 0 && Date.now() - feed.freshAt > staleAfterMs();
  $("stale").hidden = !stale;
  document.body.classList.toggle("is-stale", stale);
  $("link").classList.toggle("unknown", stale); // the gate's link as last heard: not known now
  if (stale) $("stale-since").textContent = t("last_update", {time: siteTime(feed.freshGateTime)});
}

// -- chime -------------------------------------------------------------------------------------

function ring() {
  if (chime()) chimedAt = Date.now();
  showChime();
}

function showChime() {
  const on = chimeEnabled();
  $("chime").textContent = on ? t("chime_on") : t("chime_off");
  $("chime").setAttribute("aria-pressed", String(on));
  $("chime").classList.toggle("off", !on);
  $("chime").classList.toggle("blocked", on && !audible());
}

function everySecond() {
  tickWaits();
  checkStale();
  // a stream that is open but silent (a buffering proxy, a half-dead link) counts as dropped
  if (feed.source && Date.now() - Math.max(feed.freshAt, feed.openedAt) > staleAfterMs()) {
    feed.source.close();
    feed.source = null;
    startPolling();
  }
  if (state && state.queue.length && Date.now() - chimedAt > REMIND_MS) ring();
}

// -- session -----------------------------------------------------------------------------------

async function sessionEnded() {
  stopFeed();
  const session = await api("/api/session");
  if (session.ok) useSession(session.data);
  $("login-error").textContent = t("session_ended");
  showLoggedIn(false);
}

async function login(event) {
  event.preventDefault();
  unlock(); // a touch: audio may start from now on
  const result = await api("/api/login", {username: $("username").value, password: $("password").value});
  if (result.ok) {
    useSession(result.data);
    $("login-error").textContent = "";
    $("password").value = "";
    showLoggedIn(true);
  } else {
    $("login-error").textContent = result.status === 423 ? t("locked") : t("bad_login");
  }
}

async function logout() {
  const result = await api("/api/logout", {});
  if (!result.ok) return;
  stopFeed();
  const session = await api("/api/session");
  if (session.ok) useSession(session.data);
  showLoggedIn(false);
}

function relabel() {
  translatePage();
  forgetCards();
  showChime();
  if (feed.mode !== "off") setMode(feed.mode);
  if (state) render(state);
  checkStale();
}

async function start() {
  await loadCatalogue();
  translatePage();
  showChime();
  setHandlers({ask, enlarge: showSnapshot});
  setUpActions({post: api, insidePlates: () => new Map((state ? state.inside : []).map((v) => [v.plate, v.entered_at])),
    done: () => { if (feed.mode !== "live") poll(); }});
  setUpZoom();
  const session = await api("/api/session");
  if (!session.ok) return;
  useSession(session.data);
  showLoggedIn(Boolean(session.data.guard));
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  $("lang").addEventListener("click", () => { switchLanguage(); relabel(); });
  $("chime").addEventListener("click", () => { toggleChime(); showChime(); });
  document.addEventListener("pointerdown", () => { unlock(); setTimeout(showChime, 100); }, {once: false});
  setInterval(everySecond, 1000);
  start();
});

