// The review page: upload or paste a report, see each paragraph's labels and evidence, correct
// them with the mouse or the keyboard, send corrections to the inbox, download the result.
import { ApiRefusal, getJson, postFile, postForBlob, postJson, setToken, token } from "./api.js";
import { highlighted } from "./highlight.js";
import { EXCLUSIVE, LABELS } from "./labels.js";

const REVIEWER_KEY = "zongjie-reviewer";
const $ = (id) => document.getElementById(id);
const state = { doc: null, current: 0, filter: null, busy: null };

function say(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

function askToken(text) {
  $("token-panel").hidden = false;
  $("token-message").textContent = text;
  $("token").focus();
}

function failed(error) {
  if (error instanceof ApiRefusal && error.status === 401) {
    askToken(token() ? "访问口令不正确，请重新输入。" : "此服务需要访问口令，请输入。");
  }
  say(error instanceof ApiRefusal ? error.message : "出错了：" + error);
}

async function check() {
  try {
    await getJson("v1/model");
    $("token-panel").hidden = true;
    return true;
  } catch (error) { failed(error); return false; }
}

async function analyse(file, name) {
  await load(() => postFile("v1/classify/file", [file], [name]));
}

async function load(request) {
  say("正在分析…", "info");
  try {
    const doc = await request();
    doc.paragraphs.forEach((p) => { p.selected = p.labels.slice(); p.confirmed = false; p.corrected = false; });
    state.doc = doc; state.current = 0; state.filter = null;
    say(""); render();
  } catch (error) { failed(error); }
}

function visible() {
  const ps = state.doc.paragraphs;
  return ps.map((p, i) => i).filter((i) => !state.filter || ps[i].selected.includes(state.filter));
}

function render() {
  const doc = state.doc;
  $("result").hidden = false;
  $("source").textContent = `${doc.source}（模型 ${doc.model}）`;
  const article = $("document");
  article.replaceChildren(...doc.paragraphs.map((p, i) => paragraphElement(p, i)));
  refresh();
}

function paragraphElement(p, i) {
  const div = document.createElement("div");
  div.className = `para ${p.kind}`;
  div.dataset.index = i;
  const text = document.createElement("span");
  text.className = "text";
  text.append(...highlighted(p.text, p.explain || {}, LABELS));
  if (p.origin) {
    const origin = document.createElement("span");
    origin.className = "origin";
    origin.textContent = `${p.origin} 第 ${p.number} 段`;
    div.append(origin);
  }
  const chips = document.createElement("span");
  chips.className = "chips";
  LABELS.forEach((label, k) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = `chip l${k}`;
    chip.dataset.label = label;
    const threshold = state.doc.thresholds[label];
    chip.title = `${label}：得分 ${(p.scores[label] * 100).toFixed(1)}%（阈值 ${(threshold * 100).toFixed(0)}%）`
      + ((p.explain || {})[label] ? "\n依据：" + p.explain[label].map((t) => t.term).join("、") : "");
    chip.textContent = label;
    chip.addEventListener("click", () => { state.current = i; toggle(label); });
    chips.append(chip);
  });
  const badge = document.createElement("span");
  badge.className = "badge";
  chips.append(badge);
  div.append(text, chips);
  div.addEventListener("click", (event) => { if (!event.target.closest(".chip")) { state.current = i; refresh(); } });
  return div;
}

function refresh() {
  const ps = state.doc.paragraphs;
  const shown = new Set(visible());
  document.querySelectorAll("#document .para").forEach((div) => {
    const i = Number(div.dataset.index), p = ps[i];
    div.classList.toggle("hidden", !shown.has(i));
    div.classList.toggle("current", i === state.current);
    div.classList.toggle("confirmed", p.confirmed);
    div.classList.toggle("is-corrected", p.corrected);
    div.querySelectorAll(".chip").forEach((chip) => chip.classList.toggle("on", p.selected.includes(chip.dataset.label)));
    const badge = div.querySelector(".badge");
    badge.textContent = p.corrected ? "已更正" : p.confirmed ? "已确认" : "";
    badge.classList.toggle("corrected", p.corrected);
  });
  const done = ps.filter((p) => p.confirmed).length;
  $("progress").textContent = `已校对 ${done} / ${ps.length}`;
  filters();
}

function filters() {
  const ps = state.doc.paragraphs;
  const bar = $("filters");
  const all = document.createElement("button");
  all.type = "button"; all.textContent = `全部 ${ps.length}`; all.dataset.label = "";
  all.classList.toggle("active", !state.filter);
  const buttons = [all, ...LABELS.map((label, k) => {
    const b = document.createElement("button");
    b.type = "button"; b.className = `l${k}`; b.dataset.label = label;
    const dot = document.createElement("span"); dot.className = "dot";
    b.append(dot, `${label} ${ps.filter((p) => p.selected.includes(label)).length}`);
    b.classList.toggle("active", state.filter === label);
    return b;
  })];
  buttons.forEach((b) => b.addEventListener("click", () => { state.filter = b.dataset.label || null; move(0); }));
  bar.replaceChildren(...buttons);
}

function toggle(label) {
  const p = state.doc.paragraphs[state.current];
  if (p.selected.includes(label)) {
    p.selected = p.selected.filter((x) => x !== label);
  } else {
    const other = EXCLUSIVE.includes(label) ? EXCLUSIVE.filter((x) => x !== label) : [];
    p.selected = LABELS.filter((x) => x === label || (p.selected.includes(x) && !other.includes(x)));
  }
  refresh();
}

function move(step) {
  const order = visible();
  if (!order.length) { refresh(); return; }
  const at = order.indexOf(state.current);
  const next = at === -1 ? order[0] : order[Math.max(0, Math.min(order.length - 1, at + step))];
  state.current = next;
  refresh();
  const div = document.querySelector(`#document .para[data-index="${next}"]`);
  if (div && div.scrollIntoView) div.scrollIntoView({ block: "nearest" });
}

async function confirm() {
  const p = state.doc.paragraphs[state.current];
  const changed = p.selected.join() !== p.labels.join();
  if (changed) {
    const user = $("reviewer").value.trim();
    if (!user) { say("请先在右上角填写校对人姓名（只需填一次）。"); $("reviewer").focus(); return; }
    try {
      await postJson("v1/feedback", { text: p.text, labels: p.selected, user,
                                      note: `校对页：${p.origin || state.doc.source} 第 ${p.number} 段` });
    } catch (error) { failed(error); return; }
  }
  p.confirmed = true; p.corrected = changed;
  say("");
  move(1);
}

async function download(format) {
  const doc = state.doc;
  const rows = doc.paragraphs.map((p) => ({ paragraph: p.number, text: p.text, headings: p.headings,
    labels: p.labels, scores: p.scores, corrected: p.confirmed ? p.selected : null, source: p.origin || null }));
  try {
    const blob = await postForBlob("v1/export", { source: doc.source, model: doc.model, format, rows });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `${doc.source.replace(/\.[^.]*$/, "") || "结果"}-labels.${format}`;
    document.body.append(a); a.click(); a.remove();
  } catch (error) { failed(error); }
}

function keys(event) {
  if (!state.doc || event.target.closest("input, textarea, #admin") || event.ctrlKey || event.metaKey || event.altKey) return;
  const k = event.key;
  if (k >= "1" && k <= "7") toggle(LABELS[Number(k) - 1]);
  else if (k === "Enter") confirm();
  else if (k === "ArrowDown" || k === "j") move(1);
  else if (k === "ArrowUp" || k === "k") move(-1);
  else return;
  event.preventDefault();
}

function setUp() {
  $("reviewer").value = localStorage.getItem(REVIEWER_KEY) || "";
  $("reviewer").addEventListener("change", () => localStorage.setItem(REVIEWER_KEY, $("reviewer").value.trim()));
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    setToken($("token").value.trim());
    if (await check()) say("口令正确。", "info");
  });
  $("file").addEventListener("change", () => { const f = $("file").files[0]; if (f) analyse(f, f.name); $("file").value = ""; });
  $("many").addEventListener("change", () => {
    const fs = Array.from($("many").files);
    if (fs.length) load(() => postFile("v1/suggest", fs, fs.map((f) => f.name)));
    $("many").value = "";
  });
  $("paste-button").addEventListener("click", () => {
    const text = $("paste").value;
    if (!text.trim()) { say("请先粘贴报告的文字。"); return; }
    analyse(new Blob([text], { type: "text/plain" }), "粘贴的文字.txt");
  });
  const zone = document.querySelector(".upload");
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault(); zone.classList.remove("over");
    const f = e.dataTransfer.files[0]; if (f) analyse(f, f.name);
  });
  $("download-xlsx").addEventListener("click", () => download("xlsx"));
  $("download-csv").addEventListener("click", () => download("csv"));
  document.addEventListener("keydown", keys);
  check();
}

setUp();
