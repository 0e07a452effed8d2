/**
 * A page that plays the ChatGPT host, so a person can see the widget in a browser. Like ChatGPT,
 * it talks MCP to this server over Streamable HTTP (`tools/list`, `resources/read`,
 * `tools/call` with `_meta["openai/subject"]`), loads the `ui://` template into an iframe, sets
 * `window.openai` (`toolOutput` = `structuredContent`, `toolResponseMetadata` = `_meta`) and fires
 * `openai:set_globals` when a new result arrives. It can play an MCP Apps host instead (the
 * `_meta.ui.resourceUri` template, `ui/initialize` handshake and `ui/notifications/tool-result`
 * over `postMessage`). Demo controls flip flags in the store.
 *
 * As hosts do, it builds the frame's Content-Security-Policy from the resource's declarations
 * (`openai/widgetCSP.connect_domains`, or `ui.csp.connectDomains` for MCP Apps): the widget may
 * connect to the origins the app declared and nowhere else. `?connect=none` plays a stricter host
 * that grants no connections at all. As ChatGPT, the page shows `toolResponseMetadata` with the
 * widget token shortened.
 *
 * In ChatGPT mode the frame is same-origin so the page can set `window.openai` in it (ChatGPT
 * isolates widgets on their own origin); in MCP Apps mode it is sandboxed (`allow-scripts`, an
 * opaque origin), as MCP Apps hosts run views, and talks to the page by `postMessage` only.
 */

/** The host page's HTML. `mcpPath` and `controlsPath` are where this server mounts them. */
export function hostPage(options: { mcpPath: string; controlsPath: string | undefined }): string {
  const config = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fitness app: simulated ChatGPT host</title>
<style>
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: #f4f4f6; color: #1d1d1f; }
header { padding: 14px 20px; background: #fff; border-bottom: 1px solid #ddd; }
header h1 { margin: 0; font-size: 17px; }
header p { margin: 4px 0 0; color: #666; }
main { display: grid; grid-template-columns: minmax(320px, 1fr) 360px; gap: 16px; padding: 16px 20px; }
section { background: #fff; border: 1px solid #ddd; border-radius: 12px; padding: 12px 14px; margin-bottom: 16px; }
section h2 { margin: 0 0 8px; font-size: 14px; }
label { display: block; margin: 6px 0; }
input, select { font: inherit; padding: 3px 6px; }
button { font: inherit; padding: 4px 10px; margin: 2px 4px 2px 0; border-radius: 8px; border: 1px solid #888; background: #fafafa; cursor: pointer; }
button.primary { background: #10a37f; color: #fff; border-color: #10a37f; }
iframe { width: 100%; height: 380px; border: 1px solid #ddd; border-radius: 12px; background: #fff; }
pre { white-space: pre-wrap; word-break: break-word; font-size: 12px; background: #f7f7f9; padding: 8px; border-radius: 8px; max-height: 260px; overflow: auto; margin: 0; }
.assistant { padding: 10px 12px; background: #fff; border: 1px solid #ddd; border-radius: 12px; margin-bottom: 10px; white-space: pre-wrap; }
.muted { color: #666; }
</style>
</head>
<body>
<header>
  <h1>Fitness bookings: simulated ChatGPT host</h1>
  <p>This page calls the MCP server's tools like ChatGPT does and renders the widget with <code>window.openai</code>.</p>
</header>
<main>
  <div>
    <div class="assistant" id="assistant">Call <b>list_bookings</b> to render the widget.</div>
    <!-- Same origin so this page can set window.openai in the frame; ChatGPT isolates the widget on its own origin. -->
    <iframe id="widget" title="Bookings widget"></iframe>
  </div>
  <div>
    <section>
      <h2>The user (sent as request <code>_meta</code>)</h2>
      <label>openai/subject <input id="subject" value="user-1" size="18"> <button id="random">random user</button></label>
      <label>host <select id="host-kind"><option value="openai">ChatGPT (window.openai)</option><option value="mcp-apps">MCP Apps (postMessage)</option></select></label>
      <label>openai/organization <select id="organization"><option value="">(none)</option><option>acme-gyms</option><option>other-gym</option></select></label>
      <button class="primary" id="call">Call list_bookings</button>
    </section>
    <section id="controls">
      <h2>Flags (demo controls, loopback only)</h2>
      <div id="flag-state" class="muted">…</div>
      <div>Kill switch <code>bookings-enabled</code>: <button data-change='{"action":"kill"}'>turn bookings off</button><button data-change='{"action":"revive"}'>turn bookings on</button></div>
      <div>cancel-booking rollout:
        <button data-change='{"action":"rollout","percent":0}'>0%</button><button data-change='{"action":"rollout","percent":25}'>25%</button><button data-change='{"action":"rollout","percent":50}'>50%</button><button data-change='{"action":"rollout","percent":100}'>100%</button>
      </div>
      <p class="muted">After a change, call <b>list_bookings</b> again: the widget updates in place.</p>
    </section>
    <section>
      <h2>toolResponseMetadata (the result's <code>_meta</code>, hidden from the model)</h2>
      <pre id="meta">(none yet)</pre>
    </section>
  </div>
</main>
<script>
(() => {
  const config = ${config};
  let nextId = 1;
  async function mcp(method, params) {
    const response = await fetch(config.mcpPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    });
    const message = await response.json();
    if (message.error) throw new Error(method + ': ' + message.error.message);
    return message.result;
  }
  const $ = (id) => document.getElementById(id);
  function requestMeta() {
    const meta = { 'openai/subject': $('subject').value.trim(), 'openai/locale': navigator.language || 'en-US' };
    if ($('organization').value) meta['openai/organization'] = $('organization').value;
    return meta;
  }
  const callTool = (name, args) => mcp('tools/call', { name, arguments: args, _meta: requestMeta() });

  // window.openai for the widget's frame: globals plus the methods widgets call.
  let widgetWindow;
  const globals = { theme: 'light', locale: navigator.language || 'en-US', displayMode: 'inline', maxHeight: 380,
    toolInput: null, toolOutput: null, toolResponseMetadata: null, widgetState: null };
  function setGlobals(changed) {
    Object.assign(globals, changed);
    if (!widgetWindow) return;
    Object.assign(widgetWindow.openai, changed);
    widgetWindow.dispatchEvent(new widgetWindow.CustomEvent('openai:set_globals', { detail: { globals: changed } }));
  }
  window.ensignHost = {
    bridgeFor(win) {
      widgetWindow = win;
      return Object.assign({}, globals, {
        callTool: (name, args) => callTool(name, args),
        setWidgetState: async (state) => setGlobals({ widgetState: state }),
        sendFollowUpMessage: async ({ prompt }) => { $('assistant').textContent = 'User: ' + prompt; },
        openExternal: ({ href }) => window.open(href, '_blank', 'noopener'),
        requestDisplayMode: async ({ mode }) => ({ mode }),
      });
    },
  };

  // MCP Apps: JSON-RPC over postMessage with the frame, after the ui/initialize handshake.
  let appReady = false;
  let lastResult;
  const frameWindow = () => $('widget').contentWindow;
  const postToApp = (message) => frameWindow().postMessage(Object.assign({ jsonrpc: '2.0' }, message), '*');
  function deliverToApp() {
    if (!appReady || !lastResult) return;
    postToApp({ method: 'ui/notifications/tool-input', params: { arguments: {} } });
    postToApp({ method: 'ui/notifications/tool-result', params: lastResult });
  }
  window.addEventListener('message', async (event) => {
    const message = event.data;
    if (event.source !== frameWindow() || !message || message.jsonrpc !== '2.0' || !message.method) return;
    const reply = (body) => message.id !== undefined && postToApp(Object.assign({ id: message.id }, body));
    if (message.method === 'ui/initialize') {
      reply({ result: { protocolVersion: '2026-01-26', hostInfo: { name: 'ensign-simulated-host', version: '0.1.0' },
        hostCapabilities: { serverTools: {} }, hostContext: { theme: 'light', displayMode: 'inline', locale: navigator.language || 'en-US' } } });
    } else if (message.method === 'ui/notifications/initialized') {
      appReady = true;
      deliverToApp();
    } else if (message.method === 'tools/call') {
      try {
        reply({ result: await callTool(message.params.name, message.params.arguments || {}) });
      } catch (error) {
        reply({ error: { code: -32603, message: String(error.message || error) } });
      }
    } else {
      reply({ error: { code: -32601, message: 'not supported by this simulated host: ' + message.method } });
    }
  });

  let template;
  const hostKind = () => $('host-kind').value;
  async function loadWidget() {
    const { tools } = await mcp('tools/list', {});
    const meta = (tools.find((t) => t.name === 'list_bookings') || {})._meta || {};
    const uri = hostKind() === 'openai' ? meta['openai/outputTemplate'] : meta.ui && meta.ui.resourceUri;
    const { contents } = await mcp('resources/read', { uri });
    template = contents[0].text;
    widgetWindow = undefined;
    appReady = false;
    const declared = hostKind() === 'openai'
      ? ((contents[0]._meta || {})['openai/widgetCSP'] || {}).connect_domains
      : (((contents[0]._meta || {}).ui || {}).csp || {}).connectDomains;
    const granted = new URLSearchParams(location.search).get('connect') === 'none' ? [] : (declared || []);
    const csp = '<meta http-equiv="Content-Security-Policy" content="connect-src ' +
      (granted.length ? granted.join(' ') : "'none'") + '">';
    const bootstrap = hostKind() === 'openai' ? '<script>window.openai = parent.ensignHost.bridgeFor(window);<\\/script>' : '';
    if (hostKind() === 'openai') $('widget').removeAttribute('sandbox');
    else $('widget').setAttribute('sandbox', 'allow-scripts');
    $('widget').srcdoc = template.replace('<head>', '<head>' + csp + bootstrap);
  }
  $('host-kind').addEventListener('change', () => { template = undefined; lastResult = undefined; $('widget').srcdoc = ''; });

  async function listBookings() {
    try {
      const result = await callTool('list_bookings', {});
      $('assistant').textContent = (result.content || []).map((c) => c.text).join('\\n');
      // The widget token is a credential: shown shortened, as a host's devtools would not print it either.
      $('meta').textContent = JSON.stringify(result._meta || null,
        (key, value) => key === 'token' && typeof value === 'string' ? value.slice(0, 10) + '…' : value, 2);
      if (!template) await loadWidget();
      if (hostKind() === 'openai') {
        setGlobals({ toolInput: {}, toolOutput: result.structuredContent || null, toolResponseMetadata: result._meta || null });
      } else {
        lastResult = result;
        deliverToApp();
      }
    } catch (error) {
      $('assistant').textContent = String(error);
    }
  }

  async function refreshFlags() {
    if (!config.controlsPath) { $('controls').hidden = true; return; }
    try {
      const response = await fetch(config.controlsPath);
      const state = await response.json();
      if (!response.ok) throw new Error(state.error);
      $('flag-state').textContent = 'version ' + state.version + ' · bookings-enabled ' + (state.killed ? 'off (kill switch active: maintenance)' : 'on') +
        ' · cancel-booking rollout ' + (state.cancelRolloutPercent === undefined ? '?' : state.cancelRolloutPercent + '%');
    } catch (error) {
      $('flag-state').textContent = 'Flag controls unavailable: ' + error.message;
    }
  }

  document.querySelectorAll('[data-change]').forEach((button) => button.addEventListener('click', async () => {
    const response = await fetch(config.controlsPath, { method: 'POST', headers: { 'content-type': 'application/json' }, body: button.dataset.change });
    if (!response.ok) $('flag-state').textContent = (await response.json()).error;
    else await refreshFlags();
  }));
  $('random').addEventListener('click', () => { $('subject').value = 'user-' + Math.random().toString(36).slice(2, 8); listBookings(); });
  $('call').addEventListener('click', listBookings);
  refreshFlags();
})();
</script>
</body>
</html>`;
}
