// Words and times: every text from the server's catalogue (/api/catalogue), every time in the
// site's timezone (from the gate's contract bundle), never the tablet's.
const LANGS = ["zh-CN", "en"];
let catalogue = {};
let lang = LANGS.includes(localStorage.getItem("guard-lang")) ? localStorage.getItem("guard-lang") : "zh-CN";
let timeZone = "Asia/Shanghai";
let offsetMs = 0; // gate clock minus tablet clock

export async function loadCatalogue() {
  const response = await fetch("/api/catalogue", {credentials: "same-origin"});
  catalogue = await response.json();
}

export function language() { return lang; }

export function switchLanguage() {
  lang = lang === "en" ? "zh-CN" : "en";
  localStorage.setItem("guard-lang", lang);
}

// The catalogue's keys that start with a prefix ("override."), in its order.
export function keys(prefix) { return Object.keys(catalogue[lang] || {}).filter((key) => key.startsWith(prefix)); }

export function has(key) { return key in (catalogue[lang] || {}); }

// The text of a key, {name} filled from vars.
export function t(key, vars) {
  const text = (catalogue[lang] || {})[key];
  if (text === undefined) return key;
  return vars ? text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all)) : text;
}

export function alarmLabel(kind) {
  return has(`alarm.${kind}`) ? t(`alarm.${kind}`) : `${t("alarm_unknown")}: ${kind}`;
}

export function translatePage() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.getElementById("lang").textContent = t("other_lang");
  document.title = t("title");
}

export function setSiteClock(zone, gateNowIso) {
  if (zone) timeZone = zone;
  if (gateNowIso) offsetMs = Date.parse(gateNowIso) - Date.now();
}

export function gateNow() { return Date.now() + offsetMs; }

const dayKey = (ms) => new Intl.DateTimeFormat("en-CA", {timeZone, year: "numeric", month: "2-digit",
  day: "2-digit"}).format(ms);

// "20:01:05" today at the site, "10-14 20:01" before.
export function siteTime(iso) {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (dayKey(ms) === dayKey(gateNow())) {
    return new Intl.DateTimeFormat(lang, {timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit",
      hourCycle: "h23"}).format(ms);
  }
  return new Intl.DateTimeFormat(lang, {timeZone, month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23"}).format(ms);
}

// How long ago, "1分05秒" / "1 min 05 s", from the gate's clock.
export function waited(iso) {
  const seconds = Math.max(0, Math.floor((gateNow() - Date.parse(iso)) / 1000));
  const m = Math.floor(seconds / 60);
  if (m >= 60) return t("h_min", {h: Math.floor(m / 60), m: m % 60});
  return t("min_s", {m, s: String(seconds % 60).padStart(2, "0")});
}
