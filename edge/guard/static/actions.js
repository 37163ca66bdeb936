// The guard's actions: one dialog to confirm each. A near miss is opened as its contract in two
// taps (the candidate, then confirm). The server decides again what a read allows; its refusals
// come back with a code the catalogue has words for.
import {keys, siteTime, t} from "./i18n.js";
import {laneLabel} from "./render.js";

const $ = (id) => document.getElementById(id);
let pending = null;
let post = async () => ({ok: false, data: {}});
let insidePlates = () => new Map();
let done = () => {};

export function setUpActions(handlers) {
  ({post, insidePlates, done} = handlers);
  $("action-confirm").addEventListener("click", confirm);
  $("action-cancel").addEventListener("click", () => $("action-dialog").close());
  $("action-plate").addEventListener("input", () => {
    if (pending && pending.action === "open_lane") showInside(pending.read.direction === "entry" ? $("action-plate").value : "");
  });
}

function reasonOptions() {
  const select = $("action-reason");
  const options = [new Option(t("choose"), "")];
  // the reasons the catalogue has (OverrideReason on the server), in its order
  for (const key of keys("override.")) options.push(new Option(t(key), key.slice("override.".length)));
  select.replaceChildren(...options);
}

// A plate the gate holds as inside must be confirmed before it is let in again.
function showInside(plate, since, refused) {
  const normal = (plate || "").trim().toUpperCase();
  const entered = since || insidePlates().get(normal);
  $("inside-row").hidden = !entered && !refused;
  $("action-confirm-inside").checked = false;
  $("inside-text").textContent = entered ? t("inside_warning", {plate: normal, time: siteTime(entered)})
    : t("error.confirm_inside");
}

function summary(action, read) {
  if (action === "open_lane") return `${laneLabel(read.lane)} · ${t("no_read")}`;
  const plate = read.plate && !read.plate.startsWith("h:") ? read.plate : t("unreadable");
  return `${plate} · ${laneLabel(read.lane)} · ${siteTime(read.at)} · ${t(`reason.${read.reason}`)}`;
}

export function ask(action, read, candidate) {
  pending = {action, read, candidate};
  const openAs = action === "open_as";
  $("action-title").textContent = openAs ? t("open_as_title") : t(`action.${action}`);
  $("action-confirm").textContent = $("action-title").textContent; // the button says what it does
  $("action-read").textContent = summary(action, read);
  $("action-text").hidden = !openAs;
  if (openAs) {
    $("action-text").textContent = t("open_as_text", {plate: candidate.plate, contract: candidate.contract_id,
      read: read.plate || t("unreadable")});
  }
  reasonOptions();
  $("reason-row").hidden = action !== "open" && action !== "open_lane";
  $("plate-row").hidden = action !== "correct" && action !== "open_lane";
  $("plate-label").textContent = action === "open_lane" ? t("plate_optional") : t("plate");
  $("comment-row").hidden = openAs;
  $("action-plate").value = action === "correct" ? (read.plate || "") : "";
  $("action-comment").value = "";
  $("action-error").textContent = "";
  showInside(action === "open" ? read.plate : "", action === "open" ? read.inside_since : null);
  $("action-dialog").dataset.action = action;
  $("action-dialog").showModal();
}

// What the form asks for, or the key of what is missing.
function body() {
  const {action, candidate} = pending;
  if (action === "open_as") return {path: "correct", body: {plate: candidate.plate}};
  const result = {comment: $("action-comment").value};
  if (action === "open" || action === "open_lane") {
    if (!$("action-reason").value) return {missing: "reason_required"};
    result.reason = $("action-reason").value;
    if (!$("inside-row").hidden) {
      if (!$("action-confirm-inside").checked) return {missing: "confirm_required"};
      result.confirm_inside = true;
    }
  }
  const plate = $("action-plate").value.trim();
  if (action === "correct") {
    if (!plate) return {missing: "plate_required"};
    result.plate = plate;
  }
  if (action === "open_lane" && plate) result.plate = plate;
  return {path: action, body: result};
}

async function confirm() {
  const {action, read} = pending;
  const form = body();
  if (form.missing) { $("action-error").textContent = t(form.missing); return; }
  const path = action === "open_lane" ? `/api/lanes/${encodeURIComponent(read.lane)}/open`
    : `/api/reads/${encodeURIComponent(read.event_id)}/${form.path}`;
  $("action-confirm").disabled = true;
  const result = await post(path, form.body);
  $("action-confirm").disabled = false;
  if (!result.ok) {
    const code = result.data.code || (result.status === 0 ? "network" : "refused");
    $("action-error").textContent = t(`error.${code}`);
    if (code === "confirm_inside") showInside(form.body.plate || read.plate, read.inside_since, true);
    return;
  }
  $("action-dialog").close();
  done();
}
