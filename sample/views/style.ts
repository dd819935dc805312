/** The sample's stylesheet, served at `/sample.css` so the CSP can forbid inline styles. */
export const STYLESHEET = `
:root{--blue:#005ea2;--blue-dark:#1a4480;--ink:#1b1b1b;--muted:#5c5c5c;--line:#dfe1e2;--bg:#f4f5f7;
--ok:#00a91c;--warn:#936f38;--bad:#b50909}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--blue)}
header.top{background:var(--blue-dark);color:#fff}
header.top .bar{max-width:72rem;margin:0 auto;padding:.75rem 1.25rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header.top .brand{font-weight:700;font-size:1.1rem;color:#fff;text-decoration:none;margin-right:auto}
header.top .brand small{font-weight:400;opacity:.8;margin-left:.5rem}
header.top nav a{color:#fff;text-decoration:none;padding:.35rem .6rem;border-radius:.3rem}
header.top nav a[aria-current=page]{background:rgba(255,255,255,.18)}
header.top nav a:hover{background:rgba(255,255,255,.12)}
header.top form{margin:0}
header.top button.secondary:hover{background:rgba(255,255,255,.15)}
main{max-width:72rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
h1{font-size:1.75rem;margin:.25rem 0 1rem}
h2{font-size:1.2rem;margin:0 0 .75rem}
.card{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1.25rem 1.5rem;margin:0 0 1.25rem}
.hero{padding:2.5rem 2rem}
.hero p{max-width:40rem}
.button,button{display:inline-block;font:inherit;font-weight:600;border:0;border-radius:.3rem;padding:.6rem 1.2rem;
background:var(--blue);color:#fff;text-decoration:none;cursor:pointer}
.button:hover,button:hover{background:var(--blue-dark)}
button.secondary:hover,.button.secondary:hover{background:#e7f2f8}
.button.big{font-size:1.15rem;padding:.8rem 1.6rem}
button.secondary,.button.secondary{background:#fff;color:var(--blue);box-shadow:inset 0 0 0 2px var(--blue)}
header.top button.secondary{background:transparent;color:#fff;box-shadow:inset 0 0 0 2px rgba(255,255,255,.7);padding:.35rem .8rem}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
.actions form{margin:0}
.notice{border-left:.35rem solid var(--blue);background:#e7f2f8;padding:.75rem 1rem;margin:0 0 1.25rem;border-radius:.25rem}
.notice.error{border-color:var(--bad);background:#f8e1de}
.notice.success{border-color:var(--ok);background:#ecf3ec}
.notice strong{display:block}
.muted{color:var(--muted)}
.hint{font-size:.9rem;color:var(--muted)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1.5rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.stats{display:flex;gap:1rem;flex-wrap:wrap;margin:0 0 1.25rem;padding:0;list-style:none}
.stats li{background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1.25rem;min-width:11rem}
.stats .value{display:block;font-size:1.5rem;font-weight:700}
.stats .label{color:var(--muted);font-size:.9rem}
.chips{display:flex;gap:.5rem;flex-wrap:wrap;list-style:none;padding:0;margin:.25rem 0 0}
.chips li{background:#e7f2f8;color:var(--blue-dark);border-radius:1rem;padding:.15rem .75rem;font-size:.9rem}
.scopes{list-style:none;padding:0;margin:0}
.scopes li::before{content:"✓";color:var(--ok);font-weight:700;margin-right:.5rem}
.scopes li.no::before{content:"✗";color:var(--bad)}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.tiles a{display:block;background:#fff;border:1px solid var(--line);border-radius:.5rem;padding:1rem 1.25rem;text-decoration:none;color:var(--ink)}
.tiles a:hover{border-color:var(--blue)}
.tiles strong{display:block;color:var(--blue)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.5rem .75rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:#f0f0f0;font-weight:600;position:sticky;top:0}
tbody tr:nth-child(even){background:#fafafa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.date{white-space:nowrap}
tfoot td{font-weight:700;border-bottom:0}
.type{display:inline-block;border-radius:.25rem;padding:0 .4rem;font-size:.85rem;background:#eef0f3;white-space:nowrap}
.type-carrier{background:#e1f3f8;color:#07648d}
.type-outpatient{background:#f2e4d4;color:#775540}
.type-inpatient{background:#f8dfe2;color:#8b0a03}
.type-pde{background:#e3f5e1;color:#216e1f}
svg.chart{width:100%;height:auto;display:block}
svg.chart .bar{fill:var(--blue)}
svg.chart .month:hover .bar{fill:var(--blue-dark)}
svg.chart .hit{fill:transparent}
svg.chart .grid{stroke:#e6e6e6}
svg.chart .baseline{stroke:#757575}
svg.chart .axis{fill:var(--muted);font-size:12px}
footer{max-width:72rem;margin:0 auto;padding:0 1.25rem 2rem;color:var(--muted);font-size:.85rem}
`;

/** The tab icon, a Medicare-blue card with a white cross: served so browsers do not log a 404. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#005ea2"/><path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" fill="#fff"/></svg>`;
