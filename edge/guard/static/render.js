// Builds the page from the gate's state. Text goes in with textContent only (never HTML), and
// every word comes from the catalogue by code.
import {alarmLabel, siteTime, t, waited} from "./i18n.js";

const $ = (id) => document.getElementById(id);
let lanes = [];
let ask = () => {};
let enlarge = () => {};
const cards = new Map(); // event_id -> {key, node}: a card is rebuilt only when its read changes

export function setHandlers(handlers) { ({ask, enlarge} = handlers); }

export function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function button(text, cls, onClick) {
  const node = el("button", text, cls);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

// "入口", or "入口 entry-2" where two lanes go the same way.
export function laneLabel(name) {
  const lane = lanes.find((l) => l.name === name);
  if (!lane) return name || "";
  const twins = lanes.filter((l) => l.direction === lane.direction).length > 1;
  return twins ? `${t(`direction.${lane.direction}`)} ${name}` : t(`direction.${lane.direction}`);
}

const plateText = (plate) => (plate && !plate.startsWith("h:") ? plate : t("unreadable"));
// "识别分歧: 沪A12345 / 沪A12346" when the recognisers named other plates, else null.
const readingsDiffer = (read) => (read.alternatives && read.alternatives.length
  ? t("readings_differ", {plates: [plateText(read.plate), ...read.alternatives].join(" / ")}) : null);
const snapshotUrl = (read) => (read.snapshot_sha256 ? `/snapshots/${read.snapshot_sha256}.jpg` : null);

function snapshotButton(read, cls) {
  const url = snapshotUrl(read);
  if (!url) return el("span", "", `${cls} none`);
  const img = el("img");
  img.src = url;
  img.alt = plateText(read.plate);
  const node = button(null, cls, () => enlarge(url, `${plateText(read.plate)} · ${siteTime(read.at)}`));
  node.title = t("enlarge");
  node.append(img);
  return node;
}

function actionButtons(read) {
  const box = el("div", null, "actions");
  for (const action of read.actions) box.append(button(t(`action.${action}`), `act-${action}`, () => ask(action, read)));
  return box;
}

function candidateButton(read, candidate) {
  const status = candidate.opens ? t("valid_now") : t(`reason.${candidate.reason}`);
  const node = button(t("near_miss", {plate: candidate.plate, contract: candidate.contract_id, status}),
    candidate.opens ? "near-miss valid" : "near-miss", () => ask("open_as", read, candidate));
  node.dataset.plate = candidate.plate;
  return node;
}

function card(read) {
  const node = el("li", null, "card");
  node.dataset.eventId = read.event_id;
  const head = el("div", null, "card-head");
  head.append(el("span", plateText(read.plate), "plate big"), el("span", t(`reason.${read.reason}`), "reason"),
    el("span", laneLabel(read.lane), "lane"), el("time", siteTime(read.at)));
  const wait = el("span", t("waited", {time: waited(read.at)}), "waited");
  wait.dataset.at = read.at;
  head.append(wait);
  const body = el("div", null, "card-body");
  const info = el("div", null, "card-info");
  if (read.plate_read && read.plate_read !== read.plate) info.append(el("p", t("read_as", {plate: read.plate_read}), "muted"));
  if (readingsDiffer(read)) info.append(el("p", readingsDiffer(read), "warning readings-differ"));
  if (read.inside_since) {
    info.append(el("p", t("inside_warning", {plate: read.plate, time: siteTime(read.inside_since)}), "warning"));
  }
  const candidates = el("div", null, "candidates");
  for (const candidate of read.candidates || []) candidates.append(candidateButton(read, candidate));
  info.append(candidates, actionButtons(read));
  body.append(snapshotButton(read, "shot"), info);
  node.append(head, body);
  return node;
}

// Returns the ids of reviews that were not on the page before.
function renderQueue(queue) {
  const arrived = [];
  const nodes = queue.map((read) => {
    const key = JSON.stringify(read);
    const known = cards.get(read.event_id);
    if (!known) arrived.push(read.event_id);
    if (known && known.key === key) return known.node;
    const node = card(read);
    cards.set(read.event_id, {key, node});
    return node;
  });
  const ids = new Set(queue.map((r) => r.event_id));
  for (const id of [...cards.keys()]) if (!ids.has(id)) cards.delete(id);
  $("queue").replaceChildren(...nodes);
  $("queue-count").textContent = String(queue.length);
  $("queue-count").classList.toggle("zero", queue.length === 0);
  $("queue-empty").hidden = queue.length > 0;
  return arrived;
}

export function tickWaits() {
  for (const node of document.querySelectorAll(".waited[data-at]")) {
    node.textContent = t("waited", {time: waited(node.dataset.at)});
  }
}

function alarmNode(alarm) {
  const node = el("details", null, "alarm");
  const subject = alarm.subject ? ` (${laneLabel(alarm.subject)})` : "";
  const summary = el("summary", `${alarmLabel(alarm.kind)}${subject}`);
  summary.append(el("span", t("since", {time: siteTime(alarm.since)}), "muted"));
  node.dataset.code = alarm.code;
  node.append(summary, el("p", `${t("details")}: ${alarm.detail}`, "muted"));
  return node;
}

function readRow(read) {
  const row = el("tr");
  row.dataset.eventId = read.event_id;
  const plate = el("td", plateText(read.plate), "plate");
  const original = read.override && read.override.original_plate;
  if (original && original !== read.plate) plate.append(el("span", ` ← ${original}`, "muted"));
  if (readingsDiffer(read)) plate.append(el("span", ` ${readingsDiffer(read)}`, "muted readings-differ"));
  const last = el("td");
  if (read.decided) {
    last.append(el("span", t("decided_by", {guard: read.decided.guard, action: t(`action.${read.decided.action}`),
      time: siteTime(read.decided.at)}), "decided"));
  } else {
    last.append(actionButtons(read));
  }
  const shot = el("td");
  shot.append(snapshotButton(read, "thumb"));
  row.append(el("td", siteTime(read.at)), el("td", laneLabel(read.lane)), shot, plate,
    el("td", t(`outcome.${read.outcome}`), `outcome-${read.outcome}`), el("td", t(`reason.${read.reason}`), "reason"),
    last);
  return row;
}

function insideRow(vehicle) {
  const row = el("tr");
  let left = "";
  if (vehicle.minutes_left !== null) {
    left = vehicle.overdue ? t("overdue", {m: -vehicle.minutes_left}) : t("minutes_left", {m: vehicle.minutes_left});
  }
  row.append(el("td", vehicle.plate, "plate"), el("td", siteTime(vehicle.entered_at)),
    el("td", siteTime(vehicle.deadline)), el("td", left, vehicle.overdue ? "overdue" : ""));
  return row;
}

function alertNode(alert) {
  const parts = [siteTime(alert.at), t(`alert.${alert.kind}`), alert.plate || ""];
  if (alert.deadline) parts.push(`${t("deadline")} ${siteTime(alert.deadline)}`);
  return el("li", parts.filter(Boolean).join(" · "));
}

// "沪A12346 待人工确认 · 疑似合约车牌" for one side of an audit entry.
function auditSide(side) {
  if (!side || !side.outcome) return side && side.lane ? `${laneLabel(side.lane)} · ${t("no_read")}` : "";
  const parts = [plateText(side.plate), `${t(`outcome.${side.outcome}`)} · ${t(`reason.${side.reason}`)}`];
  if (side.contract_id) parts.push(t("contract", {contract: side.contract_id}));
  return parts.join(" ");
}

function auditRow(entry) {
  const row = el("tr");
  const after = [auditSide(entry.after)];
  if (entry.after.reason_given) after.push(`· ${t(`override.${entry.after.reason_given}`)}`);
  if (entry.after.comment) after.push(`· ${entry.after.comment}`);
  row.append(el("td", siteTime(entry.at)), el("td", entry.guard), el("td", t(`action.${entry.action}`)),
    el("td", auditSide(entry.before)), el("td", after.join(" ")));
  return row;
}

function renderHeader(state) {
  $("gate").textContent = `${state.site_id} / ${state.gate_id} · ${state.guard}`;
  $("link").hidden = false;
  $("link").textContent = state.connected ? t("online") : t("offline");
  $("link").classList.toggle("down", !state.connected);
}

// Renders everything; returns the ids of reviews new to the page (for the chime).
export function render(state) {
  lanes = state.lanes;
  renderHeader(state);
  $("alarms").replaceChildren(...state.alarms.map(alarmNode));
  const arrived = renderQueue(state.queue);
  $("lanes").replaceChildren(...state.lanes.map((lane) => {
    const node = button(`${laneLabel(lane.name)} · ${t("hand_open")}`, "act-open-lane",
      () => ask("open_lane", {lane: lane.name, direction: lane.direction}));
    node.dataset.lane = lane.name;
    return node;
  }));
  $("reads").tBodies[0].replaceChildren(...state.reads.map(readRow));
  $("inside").tBodies[0].replaceChildren(...state.inside.map(insideRow));
  $("inside-count").textContent = t("inside_count", {count: state.inside.length});
  $("alerts").replaceChildren(...(state.alerts.length ? state.alerts.map(alertNode) : [el("li", t("no_alerts"), "muted")]));
  $("audit").tBodies[0].replaceChildren(...state.audit.map(auditRow));
  return arrived;
}

export function forgetCards() { cards.clear(); }
