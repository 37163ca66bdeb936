"use strict";
// The guard page: polls /api/state every 2 s. Every POST carries the session's CSRF token.
const T = {
  "zh-CN": {title: "道闸值班", logout: "退出", login: "值班员登录", username: "账号", password: "密码", signin: "登录",
    reads: "最新识别", time: "时间", lane: "车道", snapshot: "抓拍", plate: "车牌", confidence: "置信度", decision: "结果",
    reason: "原因", actions: "操作", choose: "请选择", visitor: "访客", misread: "识别错误", emergency: "紧急情况",
    other: "其他", comment: "备注", confirm: "确认", cancel: "取消", inside: "场内车辆", entered: "入场",
    deadline: "离场期限", left: "剩余", alerts: "中心提醒", audit: "操作记录", guard: "值班员", action: "操作",
    before: "之前", after: "之后", open: "开闸", deny: "拒绝", correct: "更正车牌", online: "已连接中心",
    offline: "未连接中心", outcome_open: "放行", outcome_deny: "拒绝", outcome_review: "待人工确认",
    minutes: "分钟", overdue: "超时", reason_required: "请选择原因", locked: "账号已锁定，请稍后再试",
    bad_login: "账号或密码错误", other_lang: "English", unreadable: "无法识别", lanes: "车道",
    open_lane: "手动开闸", entry: "入口", exit: "出口", no_read: "未识别车辆", near_miss: "疑似",
    contract: "合约"},
  "en": {title: "Gate guard", logout: "Log out", login: "Guard login", username: "Name", password: "Password",
    signin: "Log in", reads: "Latest reads", time: "Time", lane: "Lane", snapshot: "Snapshot", plate: "Plate",
    confidence: "Confidence", decision: "Decision", reason: "Reason", actions: "Actions", choose: "Choose",
    visitor: "Visitor", misread: "Misread", emergency: "Emergency", other: "Other", comment: "Comment",
    confirm: "Confirm", cancel: "Cancel", inside: "Vehicles inside", entered: "Entered", deadline: "Deadline",
    left: "Time left", alerts: "Alerts from central", audit: "Audit", guard: "Guard", action: "Action",
    before: "Before", after: "After", open: "Open", deny: "Deny", correct: "Correct plate",
    online: "central connected", offline: "central unreachable", outcome_open: "open", outcome_deny: "denied",
    outcome_review: "review", minutes: "min", overdue: "overdue", reason_required: "Choose a reason",
    locked: "Account locked; try later", bad_login: "Wrong name or password", other_lang: "中文",
    unreadable: "unreadable", lanes: "Lanes", open_lane: "Open lane", entry: "entry", exit: "exit",
    no_read: "vehicle not read", near_miss: "close to", contract: "contract"},
};
let lang = localStorage.getItem("guard-lang") || "zh-CN";
let csrf = "";
let pending = null;
const $ = (id) => document.getElementById(id);
const t = (key) => T[lang][key] || key;

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function localTime(iso) {
  return iso ? new Date(iso).toLocaleString(lang, {hour12: false}) : "";
}

function translate() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  $("lang").textContent = t("other_lang");
  document.title = t("title");
}

async function api(path, body) {
  const options = body === undefined ? {} : {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}};
  const response = await fetch(path, {credentials: "same-origin", ...options});
  const data = await response.json().catch(() => ({}));
  return {status: response.status, ok: response.ok, data};
}

async function start() {
  translate();
  const session = await api("/api/session");
  csrf = session.data.csrf;
  show(Boolean(session.data.guard));
}

function show(loggedIn) {
  $("login-view").hidden = loggedIn;
  $("main-view").hidden = !loggedIn;
  $("logout").hidden = !loggedIn;
  if (loggedIn) refresh();
}

async function login(event) {
  event.preventDefault();
  const result = await api("/api/login", {username: $("username").value, password: $("password").value});
  if (result.ok) {
    csrf = result.data.csrf;
    $("login-error").textContent = "";
    $("password").value = "";
    show(true);
  } else {
    $("login-error").textContent = result.status === 423 ? t("locked") : t("bad_login");
  }
}

async function refresh() {
  if ($("main-view").hidden) return;
  const state = await api("/api/state");
  if (state.status === 401) { show(false); return; }
  if (!state.ok) return;
  render(state.data);
  const audit = await api("/api/audit");
  if (audit.ok) renderAudit(audit.data);
}

function render(s) {
  $("gate").textContent = `${s.site_id} / ${s.gate_id} · ${s.guard}`;
  $("link").textContent = s.connected ? t("online") : t("offline");
  $("link").className = s.connected ? "pill" : "pill down";
  $("alarms").replaceChildren(...s.alarms.map((a) => el("div", `${lang === "en" ? a.en : a.zh} — ${a.detail}`, "alarm")));
  $("lanes").replaceChildren(...s.lanes.map(laneButton));
  $("reads").tBodies[0].replaceChildren(...s.reads.map(readRow));
  $("inside").tBodies[0].replaceChildren(...s.inside.map(insideRow));
  $("alerts").replaceChildren(...s.alerts.map((a) => el("li", `${localTime(a.at)} ${a.kind} ${a.plate || ""} ${a.message}`)));
}

function readRow(r) {
  const row = el("tr");
  row.dataset.eventId = r.event_id;
  row.append(el("td", localTime(r.at)), el("td", r.lane));
  const shot = el("td");
  if (r.snapshot_sha256) {
    const img = el("img");
    img.src = `/snapshots/${r.snapshot_sha256}.jpg`;
    img.alt = r.plate || "";
    shot.append(img);
  }
  row.append(shot, plateCell(r), el("td", Number(r.confidence).toFixed(2)));
  row.append(el("td", t(`outcome_${r.outcome}`), `outcome-${r.outcome}`),
             el("td", lang === "en" ? r.reason_label.en : r.reason_label.zh, "reason"));
  const actions = el("td");
  for (const action of ["open", "deny", "correct"]) {
    const button = el("button", t(action), `act-${action}`);
    button.type = "button";
    button.addEventListener("click", () => ask(action, r));
    actions.append(button);
  }
  row.append(actions);
  return row;
}

// The plate as read, and the contracted plates it may be: a tap corrects the read to one of them.
function plateCell(r) {
  const plate = r.override && r.override.original_plate && r.override.original_plate !== r.plate
    ? `${r.plate || "?"} (← ${r.override.original_plate})` : (r.plate || t("unreadable"));
  const cell = el("td", plate, "plate");
  for (const miss of r.near_misses || []) {
    const button = el("button", `${t("near_miss")} ${miss.plate} (${t("contract")} ${miss.contract_id})`,
                      "near-miss");
    button.type = "button";
    button.addEventListener("click", () => ask("correct", r, miss.plate));
    cell.append(button);
  }
  return cell;
}

function laneButton(lane) {
  const button = el("button", `${t("open_lane")}: ${lane.name} (${t(lane.direction)})`, "act-open-lane");
  button.type = "button";
  button.dataset.lane = lane.name;
  button.addEventListener("click", () => ask("open_lane", {lane: lane.name, plate: "", at: null}));
  return button;
}

function insideRow(v) {
  const row = el("tr");
  const left = v.minutes_left === null ? "" : v.overdue ? `${t("overdue")} ${-v.minutes_left} ${t("minutes")}`
    : `${v.minutes_left} ${t("minutes")}`;
  row.append(el("td", v.plate), el("td", localTime(v.entered_at)), el("td", localTime(v.deadline)),
             el("td", left, v.overdue ? "overdue" : ""));
  return row;
}

function renderAudit(entries) {
  $("audit").tBodies[0].replaceChildren(...entries.map((e) => {
    const row = el("tr");
    const after = `${e.after.outcome} ${e.after.reason} ${e.after.plate || ""} ${e.after.reason_given || ""} ${e.after.comment || ""}`;
    row.append(el("td", localTime(e.at)), el("td", e.guard), el("td", t(e.action)),
               el("td", e.before.outcome ? `${e.before.plate || ""} ${e.before.outcome} ${e.before.reason}`
                 : `${e.before.lane || ""} · ${t("no_read")}`), el("td", after));
    return row;
  }));
}

function ask(action, read, plate) {
  pending = {action, read};
  $("action-title").textContent = t(action);
  $("action-read").textContent = read.lane && !read.event_id ? `${read.lane} · ${t("no_read")}`
    : `${read.plate || t("unreadable")} · ${localTime(read.at)}`;
  $("reason-row").hidden = action !== "open" && action !== "open_lane";
  $("plate-row").hidden = action !== "correct" && action !== "open_lane";
  $("action-reason").value = "";
  $("action-plate").value = plate || read.plate || "";
  $("action-comment").value = "";
  $("action-error").textContent = "";
  $("action-dialog").showModal();
}

async function confirmAction() {
  const {action, read} = pending;
  const body = {comment: $("action-comment").value};
  if (action === "open" || action === "open_lane") {
    if (!$("action-reason").value) { $("action-error").textContent = t("reason_required"); return; }
    body.reason = $("action-reason").value;
  }
  if (action === "correct" || (action === "open_lane" && $("action-plate").value)) body.plate = $("action-plate").value;
  const path = action === "open_lane" ? `/api/lanes/${read.lane}/open` : `/api/reads/${read.event_id}/${action}`;
  const result = await api(path, body);
  if (!result.ok) { $("action-error").textContent = result.data.detail || result.status; return; }
  $("action-dialog").close();
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("lang").addEventListener("click", () => {
    lang = lang === "en" ? "zh-CN" : "en";
    localStorage.setItem("guard-lang", lang);
    translate();
    refresh();
  });
  $("logout").addEventListener("click", async () => {
    const result = await api("/api/logout", {});
    if (result.ok) { const s = await api("/api/session"); csrf = s.data.csrf; show(false); }
  });
  $("action-confirm").addEventListener("click", confirmAction);
  $("action-cancel").addEventListener("click", () => $("action-dialog").close());
  setInterval(refresh, 2000);
  start();
});
