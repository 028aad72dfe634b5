// What the browser tests share: paths, the Chromium to drive, free ports, waiting for HTTP.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = join(root, 'dist');
export const shots = join(root, 'target', 'e2e-screenshots');
// Debian's Chromium, never a downloaded browser: this machine reaches only package
// registries, so `make browser` installs Debian's chromium package.
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

/** Wait (up to 20 s) until `url` answers 200. */
export async function waitForHttp(url) {
  for (let i = 0; i < 200; i++) {
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered at ${url}`);
}

/**
 * dist/ served on a free loopback port by a static server (stopped by its PID in `stop`),
 * and a fresh Chromium profile with the given viewport. `open(query, readyId)` loads the
 * page and collects its console errors.
 */
export async function servePage(viewport) {
  const { spawn } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { chromium } = await import('playwright-core');
  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '-d', dist], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}/`;
  await waitForHttp(base);
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mk-chromium-')), {
    executablePath: CHROMIUM, args: ARGS, viewport,
  });
  async function open(query, readyId) {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(base + (query || ''));
    await page.getByTestId(readyId).waitFor();
    return { page, errors };
  }
  async function stop() {
    await context.close();
    process.kill(server.pid);
  }
  return { base, context, open, stop };
}
