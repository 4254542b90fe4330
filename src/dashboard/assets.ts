/**
 * The dashboard's stylesheet and its one script, served from `/dashboard/assets/…` so that
 * the Content-Security-Policy can forbid every inline script and style.
 */

/** The stylesheet. */
export const STYLESHEET = `
:root { --fg:#1d232b; --muted:#5d6875; --line:#d9dee4; --bg:#f6f7f9; --accent:#2458d6; --ok:#1f8a4c; --err:#c4322b; --warn:#c27c0e; --gray:#8c96a1; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1.5rem; align-items:center; padding:.6rem 1.5rem; background:#fff; border-bottom:1px solid var(--line); }
header .brand { font-weight:700; }
header nav { display:flex; gap:1rem; flex:1; }
header nav a { color:var(--muted); text-decoration:none; }
header nav a[aria-current=page] { color:var(--fg); font-weight:600; }
header .who { color:var(--muted); }
header form { margin:0; }
main { padding:1.2rem 1.5rem; max-width:1200px; }
h1 { font-size:1.3rem; margin:.2rem 0 1rem; }
h2 { font-size:1.05rem; margin:1.5rem 0 .5rem; }
table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:.4rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); background:#fbfbfc; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
code, .mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.92em; }
a { color:var(--accent); }
.status { display:inline-block; padding:0 .45rem; border-radius:3px; font-size:.85em; border:1px solid var(--line); }
.status.ended { color:var(--ok); border-color:var(--ok); }
.status.in_progress, .status.canceling { color:var(--warn); border-color:var(--warn); }
.progress { display:flex; align-items:center; gap:.5rem; white-space:nowrap; }
.progress svg { box-sizing:content-box; border:1px solid var(--line); border-radius:2px; background:#eef0f3; }
.seg-succeeded { fill:var(--ok); } .seg-errored { fill:var(--err); } .seg-canceled { fill:var(--gray); } .seg-expired { fill:var(--warn); }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; background:#fff; border:1px solid var(--line); padding:.8rem 1rem; margin:0; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
.muted { color:var(--muted); }
.notice { background:#fff8e1; border:1px solid #f0d37a; padding:.6rem .9rem; margin:0 0 1rem; }
.error { background:#fdecea; border:1px solid #f1a9a4; padding:.6rem .9rem; margin:0 0 1rem; }
.secret { background:#e8f5ec; border:1px solid #9fd3b0; padding:.6rem .9rem; margin:0 0 1rem; }
.secret code { font-size:1.05em; user-select:all; }
form.inline { display:inline; }
details { display:inline-block; margin-right:.4rem; } details summary { cursor:pointer; color:var(--accent); }
details form.card { position:absolute; right:1.5rem; z-index:1; box-shadow:0 4px 16px rgba(0,0,0,.12); max-width:46rem; }
.status.delivered { color:var(--ok); border-color:var(--ok); } .status.failed { color:var(--err); border-color:var(--err); } .status.pending { color:var(--warn); border-color:var(--warn); }
form.card { background:#fff; border:1px solid var(--line); padding:.8rem 1rem; display:flex; flex-wrap:wrap; gap:.6rem; align-items:end; margin-bottom:1rem; }
form.card label { display:flex; flex-direction:column; gap:.2rem; color:var(--muted); font-size:.9em; }
input[type=text], input[type=password], input[type=url], input[type=number], select { padding:.35rem .5rem; border:1px solid var(--line); border-radius:3px; font:inherit; min-width:14rem; }
button { font:inherit; padding:.35rem .8rem; border:1px solid var(--accent); background:var(--accent); color:#fff; border-radius:3px; cursor:pointer; }
button.quiet { background:#fff; color:var(--accent); }
button.danger { background:#fff; color:var(--err); border-color:var(--err); }
.sign-in { max-width:26rem; margin:4rem auto; background:#fff; border:1px solid var(--line); padding:1.5rem; }
.sign-in form { display:flex; flex-direction:column; gap:.7rem; }
.sign-in input { min-width:0; width:100%; }
.chart { background:#fff; border:1px solid var(--line); padding:.5rem; }
.chart .axis { stroke:var(--line); } .chart text { fill:var(--muted); font-size:11px; }
.bar-anthropic { fill:#c96f3b; } .bar-openai { fill:#10a37f; } .bar-gemini { fill:#4b7bec; } .bar-bedrock { fill:#8e5bd6; }
.legend { display:flex; gap:1rem; margin:.4rem 0; } .legend span::before { content:""; display:inline-block; width:.8em; height:.8em; margin-right:.3em; vertical-align:-1px; }
.legend .anthropic::before { background:#c96f3b; } .legend .openai::before { background:#10a37f; } .legend .gemini::before { background:#4b7bec; } .legend .bedrock::before { background:#8e5bd6; }
.pager { margin-top:.8rem; }
`;

/**
 * The page refresher: while the page holds an element with `data-live` (something is still
 * running), it fetches the same page every few seconds and swaps in the new `<main>`, so a
 * batch's progress moves to ended without a reload. It stops as soon as nothing runs, and
 * when the session has ended (it then reloads, which leads to the sign-in page).
 */
export const LIVE_SCRIPT = `
(() => {
  const live = () => document.querySelector("main [data-live]");
  const every = () => Number(live()?.getAttribute("data-live")) * 1000 || 3000;
  async function tick() {
    if (!live()) return;
    try {
      const answer = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { "x-dashboard-refresh": "1" } });
      if (answer.redirected || answer.status === 401) { location.reload(); return; }
      if (answer.ok) {
        const next = new DOMParser().parseFromString(await answer.text(), "text/html").querySelector("main");
        const current = document.querySelector("main");
        if (next && current) current.replaceWith(next);
      }
    } catch (error) {
      // a missed refresh is retried on the next tick
    }
    if (live()) setTimeout(tick, every());
  }
  if (live()) setTimeout(tick, every());
})();
`;
