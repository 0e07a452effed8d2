/** The widget's stylesheet, inlined into the page by `widgetPage`. */
export const WIDGET_STYLES = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --line: #e2e2e7; --card: #f6f6f8; --accent: #0a7d5a; --warn: #b3261e; }
[data-theme="dark"] { --fg: #f2f2f7; --muted: #a1a1a6; --line: #3a3a3c; --card: #2c2c2e; --accent: #34c79a; --warn: #ff6b5e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: transparent; }
#root { padding: 12px; }
h1 { font-size: 16px; margin: 0 0 10px; }
.notice { padding: 10px 12px; border-radius: 10px; background: var(--card); border: 1px solid var(--line); }
.notice.warn { border-color: var(--warn); color: var(--warn); }
.list { list-style: none; margin: 0; padding: 0; }
.list li { display: flex; align-items: center; gap: 12px; padding: 8px 0; border-bottom: 1px solid var(--line); }
.list .when { min-width: 120px; color: var(--muted); }
.list .what { flex: 1; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px; }
.card { padding: 12px; border-radius: 12px; background: var(--card); border: 1px solid var(--line); display: flex; flex-direction: column; gap: 4px; }
.card .what { font-weight: 600; }
.card .when, .card .where { color: var(--muted); }
.calendar { display: grid; grid-template-columns: repeat(7, 1fr); gap: 4px; }
.day { min-height: 90px; padding: 6px; border-radius: 8px; border: 1px solid var(--line); }
.day .date { font-size: 12px; color: var(--muted); }
.day .slot { margin-top: 4px; padding: 4px; border-radius: 6px; background: var(--card); font-size: 12px; }
button { font: inherit; padding: 4px 10px; border-radius: 8px; border: 1px solid var(--warn); color: var(--warn); background: transparent; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
.status { margin-top: 10px; color: var(--muted); min-height: 1.4em; }
footer { margin-top: 12px; font-size: 12px; color: var(--muted); }
`;
