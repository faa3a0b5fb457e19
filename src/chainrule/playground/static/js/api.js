// The page's side of PROTOCOL.md: HTTP calls and the live WebSocket of one session.

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function call(method, path, body, raw = false) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    if (raw) { init.body = body; init.headers["Content-Type"] = "text/csv"; }
    else { init.body = JSON.stringify(body); init.headers["Content-Type"] = "application/json"; }
  }
  let res;
  try { res = await fetch(path, init); } catch (e) { throw new ApiError(0, "the playground server does not answer (is `chainrule playground` still running?)"); }
  let data = null;
  try { data = await res.json(); } catch (e) { /* a non-JSON body: reported below */ }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || `${method} ${path} failed with ${res.status}`);
  return data;
}

/** Decode a heatmap object {n, lo, hi, data: base64 uint8} into {n, values: Float32Array}. */
export function decodeHeatmap(h) {
  const bytes = base64Bytes(h.data);
  const values = new Float32Array(bytes.length);
  const scale = h.hi === h.lo ? 0 : (h.hi - h.lo) / 255;
  for (let i = 0; i < bytes.length; i++) values[i] = h.lo + scale * bytes[i];
  return { n: h.n, lo: h.lo, hi: h.hi, values };
}

export function base64Bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** One training session on the server, with its live socket. */
export class Session {
  constructor(onFrame, onStatus) {
    this.id = null;
    this.onFrame = onFrame;
    this.onStatus = onStatus;      // (kind, message): "error" | "closed" | "open"
    this.ws = null;
    this.wantOpen = false;
    this.queue = [];               // commands given before the socket opened
  }

  static options() { return call("GET", "/api/options"); }

  async create(setup) {
    const r = await call("POST", "/api/sessions", setup);
    this.id = r.id;
    return r;
  }

  url(path) { return `/api/sessions/${encodeURIComponent(this.id)}${path}`; }
  setup(partial) { return call("POST", this.url("/setup"), partial); }
  get() { return call("GET", this.url("")); }
  data() { return call("GET", this.url("/data")); }
  backprop(index) { return call("GET", this.url(`/backprop?index=${index}`)); }
  setWeight(layer, to, from, value) { return call("POST", this.url("/weight"), { layer, to, from, value }); }
  upload(csvText) { return call("POST", this.url("/upload"), csvText, true); }
  /** Close the socket and free the session on the server (also when the page goes away). */
  close() {
    this.wantOpen = false;
    if (this.ws) this.ws.close();
    if (this.id) fetch(this.url(""), { method: "DELETE", keepalive: true }).catch(() => {});
  }

  /** Open the live socket (reconnects while wanted). */
  connect() {
    this.wantOpen = true;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}${this.url("/live")}`);
    this.ws = ws;
    ws.onopen = () => {
      this.onStatus("open", "");
      for (const m of this.queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.type === "frame") this.onFrame(msg);
      else if (msg.type === "error") this.onStatus("error", msg.message);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.onStatus("closed", ev.code === 4404 ? "expired" : "lost");
    };
  }

  /** Send a command now, or as soon as the socket is open. */
  send(cmd, extra = {}) {
    const msg = JSON.stringify({ cmd, ...extra });
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(msg);
    else this.queue.push(msg);
  }
}
