// The snapshot viewer: full screen, zoom by the buttons, the mouse wheel or two fingers, drag to
// move, double-tap to zoom in or back. Transforms are set through the CSSOM (allowed by the CSP).
const $ = (id) => document.getElementById(id);
const view = {scale: 1, x: 0, y: 0};
const pointers = new Map();
let pinch = null;
const MIN = 1;
const MAX = 8;

function apply() {
  $("zoom-img").style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
}

// Zoom by a factor around a point of the viewer (its centre by default).
function zoomBy(factor, cx, cy) {
  const box = $("zoom-view").getBoundingClientRect();
  const px = (cx ?? box.left + box.width / 2) - box.left - box.width / 2;
  const py = (cy ?? box.top + box.height / 2) - box.top - box.height / 2;
  const scale = Math.min(MAX, Math.max(MIN, view.scale * factor));
  const k = scale / view.scale;
  view.x = px - (px - view.x) * k;
  view.y = py - (py - view.y) * k;
  view.scale = scale;
  if (scale === MIN) { view.x = 0; view.y = 0; }
  apply();
}

function fit() { Object.assign(view, {scale: 1, x: 0, y: 0}); apply(); }

export function showSnapshot(src, caption) {
  $("zoom-img").src = src;
  $("zoom-caption").textContent = caption || "";
  fit();
  $("zoom-dialog").showModal();
}

function onPointerDown(event) {
  $("zoom-view").setPointerCapture(event.pointerId);
  pointers.set(event.pointerId, {x: event.clientX, y: event.clientY});
  if (pointers.size === 2) {
    const [a, b] = [...pointers.values()];
    pinch = {distance: Math.hypot(a.x - b.x, a.y - b.y), scale: view.scale};
  }
}

function onPointerMove(event) {
  const last = pointers.get(event.pointerId);
  if (!last) return;
  const now = {x: event.clientX, y: event.clientY};
  pointers.set(event.pointerId, now);
  if (pointers.size === 2 && pinch) {
    const [a, b] = [...pointers.values()];
    const target = pinch.scale * Math.hypot(a.x - b.x, a.y - b.y) / pinch.distance;
    zoomBy(target / view.scale, (a.x + b.x) / 2, (a.y + b.y) / 2);
  } else if (pointers.size === 1 && view.scale > MIN) {
    view.x += now.x - last.x;
    view.y += now.y - last.y;
    apply();
  }
}

function onPointerUp(event) {
  pointers.delete(event.pointerId);
  if (pointers.size < 2) pinch = null;
}

export function setUpZoom() {
  const area = $("zoom-view");
  $("zoom-in").addEventListener("click", () => zoomBy(1.5));
  $("zoom-out").addEventListener("click", () => zoomBy(1 / 1.5));
  $("zoom-fit").addEventListener("click", fit);
  $("zoom-close").addEventListener("click", () => $("zoom-dialog").close());
  area.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoomBy(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX, event.clientY);
  }, {passive: false});
  area.addEventListener("dblclick", (event) => {
    if (view.scale > MIN) fit(); else zoomBy(2.5, event.clientX, event.clientY);
  });
  area.addEventListener("pointerdown", onPointerDown);
  area.addEventListener("pointermove", onPointerMove);
  area.addEventListener("pointerup", onPointerUp);
  area.addEventListener("pointercancel", onPointerUp);
}
