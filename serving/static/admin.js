// The admin panel: shown once a valid admin token is given. Model versions with their figures,
// two compared per label, promote and roll back (after a confirmation), the feedback inbox
// with 接受 / 拒绝. Every call goes to /v1/admin/… with the admin token.
import { admin, adminPage, adminToken, setAdminToken } from "./api.js";
import { LABELS } from "./labels.js";

const $ = (id) => document.getElementById(id);
const f1 = (x) => (typeof x === "number" ? x.toFixed(3) : "—");

function note(text, kind = "info") {
  const box = $("admin-message");
  box.textContent = text;
  box.className = kind;
  box.hidden = !text;
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function button(td, text, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.addEventListener("click", action);
  td.appendChild(b);
}

async function guarded(work) {
  try { await work(); } catch (error) {
    if (error.status === 401 || error.status === 403) {
      setAdminToken("");
      $("admin-panel").hidden = true;
      $("admin-login").open = true;
    }
    note(error.message, "error");
  }
}

function radio(td, name, value, checked) {
  const r = document.createElement("input");
  Object.assign(r, { type: "radio", name, value, checked });
  td.appendChild(r);
}

async function showVersions() {
  const { versions } = await admin("v1/admin/models");
  const body = $("versions").tBodies[0];
  body.replaceChildren();
  const current = versions.findIndex((v) => v.in_service);
  versions.forEach((v, i) => {
    const row = body.insertRow();
    row.dataset.version = v.version;
    if (v.in_service) row.className = "in-service";
    radio(cell(row, ""), "cmp-a", v.version, i === (current > 0 ? current - 1 : 0));
    radio(cell(row, ""), "cmp-b", v.version, i === (current >= 0 ? current : versions.length - 1));
    const m = v.metrics || {};
    [v.version, (v.created || "").replace("T", " ").slice(0, 19), v.in_service ? "✔ 在用" : "",
     f1(m.macro_f1), f1(m.micro_f1), f1(m.devset_macro_f1), f1(m.devset_micro_f1), f1(m.holdout_macro_f1),
     v.records ?? "—"].forEach((text) => cell(row, String(text)));
    const act = cell(row, "");
    button(act, "报告", () => guarded(() => adminPage(`v1/admin/models/report?version=${encodeURIComponent(v.version)}`)));
    if (!v.in_service) button(act, "上线", () => change("v1/admin/models/promote", { version: v.version },
      `确定让版本 ${v.version} 上线吗？`));
  });
}

async function change(path, body, question) {
  if (!window.confirm(question)) return;
  await guarded(async () => {
    const r = await admin(path, body);
    await showVersions();
    note(`版本 ${r.new} 已上线（原为 ${r.old || "无"}），本服务正在使用 ${r.model}。`);
  });
}

async function compare() {
  const pick = (name) => (document.querySelector(`input[name=${name}]:checked`) || {}).value;
  const a = pick("cmp-a"), b = pick("cmp-b");
  if (!a || !b) { note("请先选出 A、B 两个版本。", "error"); return; }
  await guarded(async () => {
    const c = await admin(`v1/admin/models/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
    const body = $("comparison").tBodies[0];
    body.replaceChildren();
    const ha = c.holdout.a, hb = c.holdout.b;
    const rows = LABELS.map((x) => [x, ha.per_label[x].f1, hb.per_label[x].f1, c.delta.per_label[x]]);
    rows.push(["宏平均", ha.macro_f1, hb.macro_f1, c.delta.macro_f1], ["微平均", ha.micro_f1, hb.micro_f1, c.delta.micro_f1]);
    rows.forEach(([name, x, y, d]) => {
      const row = body.insertRow();
      [name, f1(x), f1(y)].forEach((t) => cell(row, t));
      cell(row, (d >= 0 ? "+" : "") + d.toFixed(3), d > 0 ? "up" : d < 0 ? "down" : "");
    });
    $("comparison").hidden = false;
    note(`A = ${c.a}，B = ${c.b}：对比集 ${c.paragraphs} 段。`);
  });
}

async function showInbox() {
  const { pending, stats } = await admin("v1/admin/inbox");
  $("inbox-count").textContent = `（待审核 ${stats.pending} 条）`;
  const body = $("inbox").tBodies[0];
  body.replaceChildren();
  pending.forEach((f) => {
    const row = body.insertRow();
    row.dataset.id = f.id;
    [`#${f.id}`, f.created.replace("T", " ").slice(0, 19), f.user || "—", f.labels.join("、") || "（无）", f.text]
      .forEach((t) => cell(row, t));
    const act = cell(row, "");
    button(act, "接受", () => decide("accept", f.id));
    button(act, "拒绝", () => decide("reject", f.id));
  });
}

async function decide(what, id) {
  await guarded(async () => {
    const r = await admin(`v1/admin/inbox/${what}`, { ids: [id] });
    await showInbox();  // the list first, then the message: what the message says is what is shown
    if (what === "reject") note(`已拒绝 #${id}。`);
    else if (r.conflicts.length) note(`#${id} 与已有标注冲突，留在收件箱：${r.conflicts.join("；")}`, "error");
    else note(`已接受 #${id}，写入标注（${r.added ? "新增 1 条" : "标注里已有"}）。下一步：重新训练并上线。`);
  });
}

async function open() {
  await guarded(async () => {
    await showVersions();
    await showInbox();
    $("admin-panel").hidden = false;
    $("admin-login").open = false;
  });
}

function setUp() {
  $("admin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setAdminToken($("admin-token").value.trim());
    $("admin-token").value = "";
    note("");
    open();
  });
  $("admin-logout").addEventListener("click", () => {
    setAdminToken(""); $("admin-panel").hidden = true; note("");
  });
  $("compare").addEventListener("click", compare);
  $("rollback").addEventListener("click", () => change("v1/admin/models/rollback", {},
    "确定回滚到上一个上线过的版本吗？"));
  if (adminToken()) open();
}

setUp();
