// Audits a running FeedbackDashboard: Lighthouse (mobile and desktop presets) on the pages named in LIGHTHOUSE_PAGES,
// LIGHTHOUSE_RUNS times each (3 unless set) with the median run reported, and axe-core on every page in the light and
// the dark theme; prints one table row per page.
//   node audit.mjs http://127.0.0.1:5000
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const base = (process.argv[2] ?? 'http://127.0.0.1:5000').replace(/\/$/, '');
const chrome = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const chromeFlags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];
const lighthouseCli = join(require.resolve('lighthouse/package.json'), '..', 'cli', 'index.js');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const out = mkdtempSync(join(tmpdir(), 'fd-audit-'));

const browser = await puppeteer.launch({ executablePath: chrome, headless: true, args: chromeFlags.slice(1) });

/** Opens a page and waits until the Blazor circuit is live (the layout marks it), as a person's clicks would need. */
async function open(path, width = 1366) {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  await page.goto(base + path, { waitUntil: 'networkidle2', timeout: 60_000 });
  await page.waitForSelector('[data-testid=app-interactive]', { timeout: 30_000 }).catch(() => {});
  return page;
}

// Every page, with a run, a repository's maintainers and an unknown address taken from the data itself.
const runs = await open('/runs');
const runHref = await runs.$eval('[data-testid=run-link]', a => a.getAttribute('href')).catch(() => null);
await runs.close();
const maint = await open('/maintainers');
const repoHref = await maint.$eval('[data-testid=repositories] a[href^="/maintainers/"]', a => a.getAttribute('href')).catch(() => null);
await maint.close();
const pages = [
  ['Overview', '/'], ['Runs', '/runs'], ['Run detail', runHref], ['Compare', '/compare'], ['Rules', '/rules'], ['Bots', '/bots'],
  ['Maintainers', '/maintainers'], ['Maintainers repo', repoHref], ['Poll health', '/health'], ['Not found', '/no-such-page'],
].filter(([, p]) => p);
const lighthousePages = (process.env.LIGHTHOUSE_PAGES ?? '/,/runs').split(',');
const lighthouseRuns = Math.max(1, Number(process.env.LIGHTHOUSE_RUNS ?? 3));

// A visitor meets a server that has served these pages before: each page is opened in a browser until its circuit is
// live a few times first, so the figures are not those of the app's own first interactive renders (JIT, first circuit).
for (const path of lighthousePages) for (let i = 0; i < 3; i++) await (await open(path, 412)).close();

/** axe's serious and critical violations (nodes counted) on a page, in the light or the dark theme. */
async function axe(path, dark) {
  // The theme as the app remembers it (its cookie); an app that does not remember it gets its toggle clicked.
  const page = await browser.newPage();
  await page.setViewport({ width: 1366, height: 900 });
  await page.setCookie({ name: 'fd-theme', value: dark ? 'dark' : 'light', url: base });
  await page.goto(base + path, { waitUntil: 'networkidle2', timeout: 60_000 });
  await page.waitForSelector('[data-testid=app-interactive]', { timeout: 30_000 }).catch(() => {});
  const toggle = await page.$('[data-testid=dark-mode-toggle]');
  if (dark && !toggle) { await page.close(); return { count: NaN, rules: ['no dark mode'] }; }
  if (toggle && (await page.$eval('[data-testid=dark-mode-toggle]', b => b.getAttribute('title'))) !== (dark ? 'Light mode' : 'Dark mode')) {
    await toggle.click();
    await page.waitForFunction(want => document.querySelector('[data-testid=dark-mode-toggle]')?.getAttribute('title') === want, { timeout: 10_000 }, dark ? 'Light mode' : 'Dark mode');
    await new Promise(r => setTimeout(r, 300));
  }
  await page.evaluate(axeSource);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  await page.close();
  const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  return { count: bad.reduce((n, v) => n + v.nodes.length, 0), rules: bad.map(v => `${v.id}×${v.nodes.length}`) };
}

/** One Lighthouse run of a page with a preset: its scores and the figures behind them. */
function lighthouseOnce(path, preset, run) {
  const file = join(out, `${preset}-${path.replace(/\W+/g, '_')}-${run}.json`);
  const args = [lighthouseCli, base + path, '--quiet', '--output=json', `--output-path=${file}`,
    '--only-categories=performance,accessibility', `--chrome-flags=${chromeFlags.join(' ')}`];
  if (preset === 'desktop') args.push('--preset=desktop');
  execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CHROME_PATH: chrome } });
  const r = JSON.parse(readFileSync(file, 'utf8'));
  return {
    perf: Math.round(r.categories.performance.score * 100),
    a11y: Math.round(r.categories.accessibility.score * 100),
    kib: Math.round(r.audits['total-byte-weight'].numericValue / 1024),
    lcp: (r.audits['largest-contentful-paint'].numericValue / 1000).toFixed(1),
    tbt: Math.round(r.audits['total-blocking-time'].numericValue),
  };
}

/** The run with the median performance score (Lighthouse's own advice: one run varies with what the machine does). */
function lighthouse(path, preset) {
  const runs = Array.from({ length: lighthouseRuns }, (_, i) => lighthouseOnce(path, preset, i + 1));
  const median = [...runs].sort((a, b) => a.perf - b.perf)[Math.floor((runs.length - 1) / 2)];
  return { ...median, perfs: runs.map(r => r.perf) };
}

// axe first, then Lighthouse with this browser closed: its own Chromium is then the only one running.
const rows = [];
for (const [name, path] of pages) rows.push({ name, path, light: await axe(path, false), dark: await axe(path, true) });
await browser.close();
for (const row of rows) {
  if (!lighthousePages.includes(row.path)) continue;
  row.mobile = lighthouse(row.path, 'mobile');
  row.desktop = lighthouse(row.path, 'desktop');
}

const cell = x => (x === undefined ? '—' : String(x));
const perfCell = r => (r === undefined ? '—' : r.perfs.length > 1 ? `${r.perf} (${r.perfs.join(', ')})` : String(r.perf));
console.log(`Lighthouse: the median of ${lighthouseRuns} run(s) per page and preset; perf lists every run's score.`);
console.log('| page | mobile perf | mobile a11y | first visit KiB | mobile LCP s | mobile TBT ms | desktop perf | desktop LCP s | axe serious+critical light | dark |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${perfCell(r.mobile)} | ${cell(r.mobile?.a11y)} | ${cell(r.mobile?.kib)} | ${cell(r.mobile?.lcp)} | ${cell(r.mobile?.tbt)} | ${perfCell(r.desktop)} | ${cell(r.desktop?.lcp)} | ${r.light.count} | ${r.dark.count} |`);
}
for (const r of rows) {
  if (r.light.count || r.dark.count) console.log(`${r.name}: light ${r.light.rules.join(' ') || '-'}; dark ${r.dark.rules.join(' ') || '-'}`);
}
// Performance figures move with what else the machine runs: the load beside them tells a quiet run from a busy one.
console.log(`Load average (1, 5, 15 min) at the end: ${loadavg().map(l => l.toFixed(2)).join(', ')}`);
console.log(`Lighthouse reports: ${out}`);
process.exitCode = rows.some(r => r.light.count !== 0 || r.dark.count !== 0) ? 1 : 0;
