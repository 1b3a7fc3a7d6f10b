// Writes FeedbackDashboard/wwwroot/mudblazor.used.css: the rules of MudBlazor's stylesheet whose classes the pages
// really use. Every page is visited in both themes at desktop and phone width, with the popovers and toggles opened,
// and every class seen in the DOM (plus those named in the components' sources) is kept.
//   node trim-css.mjs http://127.0.0.1:5000 REPO_ROOT
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const base = process.argv[2].replace(/\/$/, '');
const root = process.argv[3];
const mudVersion = /Include="MudBlazor" Version="([^"]+)"/.exec(readFileSync(join(root, 'Directory.Packages.props'), 'utf8'))[1];
const source = readFileSync(join(process.env.HOME, '.nuget/packages/mudblazor', mudVersion, 'staticwebassets/MudBlazor.min.css'), 'utf8');

const used = new Set();
// Classes written in the components (conditional ones a visit may not show).
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(razor|cs)$/.test(name)) for (const m of readFileSync(path, 'utf8').matchAll(/\b(?:mud|d|fd)-[a-z0-9-]+|\b[mp][trblxya]?-\d+\b/g)) used.add(m[0]);
  }
}
walk(join(root, 'FeedbackDashboard/Components'));

const browser = await puppeteer.launch({ executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
async function collect(page) {
  for (const c of await page.evaluate(() => [...document.querySelectorAll('[class]')].flatMap(e => [...e.classList]))) used.add(c);
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
async function visit(path, width, dark, act) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  await page.goto(base + path, { waitUntil: 'networkidle2' });
  // An address with no page (no layout, before the 404 page) never gets a circuit.
  if (!(await page.waitForSelector('[data-testid=app-interactive]', { timeout: 30_000 }).catch(() => null))) { await page.close(); return; }
  await collect(page);
  if (dark) { await page.click('[data-testid=dark-mode-toggle]'); await sleep(300); await collect(page); }
  if (act) { await act(page); await sleep(500); await collect(page); }
  // The drawer's own states: toggled open or closed whatever the width started with.
  await page.click('[aria-label="Toggle navigation"]').catch(() => {});
  await sleep(400);
  await collect(page);
  await page.close();
}
const runs = await browser.newPage();
await runs.goto(base + '/runs', { waitUntil: 'networkidle2' });
const runHref = await runs.$eval('[data-testid=run-link]', a => a.getAttribute('href'));
await runs.close();
const clickAll = selector => async page => { for (const e of await page.$$(selector)) await e.click().catch(() => {}); };
const pages = [
  ['/', null], ['/runs', clickAll('[data-testid=has-down] input')], [runHref, clickAll('[data-testid=maintainers-only] input')],
  ['/compare', async page => { await clickAll('.mud-picker input, .mud-range-input-container')(page); await sleep(500); await collect(page); await page.keyboard.press('Escape'); }],
  ['/compare', clickAll('[data-testid=compare-mode] .mud-toggle-item')],
  ['/rules', clickAll('[data-testid=rule-toggle]')], ['/bots', null], ['/maintainers', null], ['/maintainers/demo/web-app', null], ['/health', null],
  ['/no-such-page', null],
];
for (const [path, act] of pages) for (const width of [1366, 390]) for (const dark of [false, true]) await visit(path, width, dark, act);
await browser.close();
// A colour or severity seen once stands for all of them (a verdict can be success today and warning tomorrow).
const colors = ['primary', 'secondary', 'tertiary', 'info', 'success', 'warning', 'error', 'dark', 'default', 'normal', 'surface', 'inherit'];
const colorPattern = new RegExp(`(^|-)(${colors.join('|')})(-|$)`);
for (const c of [...used]) if (c.startsWith('mud-') && colorPattern.test(c)) for (const other of colors) used.add(c.replace(colorPattern, `$1${other}$3`));

// A small parser for minified CSS: blocks are "prelude{body}"; @media/@supports bodies hold rules, others are kept whole.
function parse(css) {
  const items = [];
  let i = 0;
  while (i < css.length) {
    const open = css.indexOf('{', i);
    if (open < 0) break;
    const prelude = css.slice(i, open).trim();
    let depth = 1, j = open + 1, quote = null;
    for (; j < css.length && depth; j++) {
      const ch = css[j];
      if (quote) { if (ch === '\\') j++; else if (ch === quote) quote = null; }
      else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '{') depth++;
      else if (ch === '}') depth--;
    }
    items.push({ prelude, body: css.slice(open + 1, j - 1) });
    i = j;
  }
  return items;
}
const classesOf = selector => [...selector.matchAll(/\.((?:\\.|[\w-])+)/g)].map(m => m[1].replace(/\\(.)/g, '$1'));
// :not(.x) and :is() lists name classes that need not be present.
const required = selector => classesOf(selector.replace(/:not\([^)]*\)/g, ''));
function keep(items) {
  let out = '';
  for (const { prelude, body } of items) {
    if (/^@(media|supports|layer)/.test(prelude)) {
      const inner = keep(parse(body));
      if (inner) out += `${prelude}{${inner}}`;
    } else if (prelude.startsWith('@')) {
      out += `${prelude}{${body}}`;
    } else {
      const selectors = prelude.split(/,(?![^(]*\))/).filter(s => required(s).every(c => used.has(c)));
      if (selectors.length) out += `${selectors.join(',')}{${body}}`;
    }
  }
  return out;
}
const trimmed = keep(parse(source.replace(/\/\*[\s\S]*?\*\//g, '')));
const target = join(root, 'FeedbackDashboard/wwwroot/mudblazor.used.css');
writeFileSync(target, `/* MudBlazor ${mudVersion} (MIT, github.com/MudBlazor/MudBlazor): only the rules whose classes the pages use. Generated by FeedbackDashboard.Tests/Browser/lighthouse.sh --trim-css; do not edit. */\n${trimmed}\n`);
console.log(`${target}: ${Math.round(trimmed.length / 1024)} KiB of ${Math.round(source.length / 1024)} KiB; ${used.size} classes seen`);
