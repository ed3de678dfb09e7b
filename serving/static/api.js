// The review page's calls to the API: the access token (asked for when the server wants one,
// kept in localStorage) and every refusal turned into a readable message.
const TOKEN_KEY = "zongjie-token";

export class ApiRefusal extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

const PLAIN = {
  unauthorized: "访问口令错误或缺失：请输入正确的访问口令。",
  model_unavailable: "服务器上没有可用的模型：请管理员运行 zongjie train --promote 或检查 models/ 文件夹。",
  not_ready: "服务器上没有可用的模型：请管理员运行 zongjie train --promote 或检查 models/ 文件夹。",
  too_many_corrections: "更正提交得太快了，请稍后再试。",
  body_too_large: "内容太长，超过了服务器的上限。",
  too_many_paragraphs: "段落太多，超过了服务器一次能处理的上限。",
  explain_too_large: "文件太长，超过了解释功能的上限。",
  admin_disabled: "此服务没有开启管理功能（服务器需设置 ZONGJIE_ADMIN_TOKEN）。",
  unknown_version: "没有这个模型版本。",
  nothing_to_roll_back: "没有可以回滚到的版本。",
  not_pending: "这条更正已不在待审核收件箱中。",
};

export function token() { return localStorage.getItem(TOKEN_KEY) || ""; }
export function setToken(value) { localStorage.setItem(TOKEN_KEY, value); }

function headers(extra, bearer = token()) {
  const h = Object.assign({}, extra || {});
  if (bearer) h["Authorization"] = "Bearer " + bearer;
  return h;
}

async function refusal(response) {
  let code = "http_error", message = `服务器返回 ${response.status}`;
  try {
    const body = await response.json();
    if (body && body.error) { code = body.error.code; message = body.error.message; }
  } catch (e) { /* not JSON: keep the status */ }
  const plain = PLAIN[code];
  return new ApiRefusal(response.status, code, plain ? `${plain}（${message}）` : message);
}

async function call(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new ApiRefusal(0, "network", "连接不到服务器：请检查网络或服务是否在运行。");
  }
  if (!response.ok) throw await refusal(response);
  return response;
}

export async function getJson(path) {
  return (await call(path, { headers: headers() })).json();
}

export async function postJson(path, body) {
  return (await call(path, { method: "POST", headers: headers({ "Content-Type": "application/json" }),
                             body: JSON.stringify(body) })).json();
}

export async function postFile(path, files, names) {
  const form = new FormData();
  files.forEach((file, i) => form.append(path.endsWith("suggest") ? "files" : "file", file, names[i]));
  if (!path.endsWith("suggest")) form.append("explain", "true");
  return (await call(path, { method: "POST", headers: headers(), body: form })).json();
}

export async function postForBlob(path, body) {
  return (await call(path, { method: "POST", headers: headers({ "Content-Type": "application/json" }),
                             body: JSON.stringify(body) })).blob();
}

// The admin endpoints (/v1/admin/…) with the admin token (kept for this tab only): GET without
// a body, POST with one.
const ADMIN_KEY = "zongjie-admin-token";
export function adminToken() { return sessionStorage.getItem(ADMIN_KEY) || ""; }
export function setAdminToken(value) {
  if (value) sessionStorage.setItem(ADMIN_KEY, value); else sessionStorage.removeItem(ADMIN_KEY);
}

// An admin page (HTML) opened in a new tab: fetched with the token, shown from a blob URL.
export async function adminPage(path) {
  const response = await call(path, { headers: headers({}, adminToken()) });
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  window.open(url, "_blank");
}

export async function admin(path, body) {
  const options = body === undefined ? { headers: headers({}, adminToken()) }
    : { method: "POST", headers: headers({ "Content-Type": "application/json" }, adminToken()),
        body: JSON.stringify(body) };
  return (await call(path, options)).json();
}
