// The review chime: two short tones made with the Web Audio API (no sound file). Switchable;
// the choice is remembered on the tablet. Browsers start audio only after a touch on the page,
// so the first touch unlocks it; until then the switch says so.
let context = null;
let enabled = localStorage.getItem("guard-chime") !== "off";

export function chimeEnabled() { return enabled; }

export function toggleChime() {
  enabled = !enabled;
  localStorage.setItem("guard-chime", enabled ? "on" : "off");
  if (enabled) unlock();
  return enabled;
}

export function unlock() {
  if (!context) {
    const Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) return;
    context = new Audio();
  }
  if (context.state === "suspended") context.resume();
}

// True when audio can play now (false until the page has been touched, on most tablets).
export function audible() { return Boolean(context) && context.state === "running"; }

function tone(frequency, start, length) {
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = "sine";
  oscillator.frequency.value = frequency;
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.5, start + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start(start);
  oscillator.stop(start + length + 0.05);
}

// Plays the chime if it is switched on; returns whether it did.
export function chime() {
  if (!enabled) return false;
  unlock();
  if (!context) return false;
  const now = context.currentTime;
  tone(880, now, 0.18);
  tone(660, now + 0.22, 0.35);
  return true;
}
