// The app in a real browser: Debian's Chromium (no browser download),
// against the demo's chain and services (AAT_DEMO_ENV, the file
// `aat-demo --keep --write-env` writes). One worker: the specs share one
// chain; `zz-*` specs move its clock and run last.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "tests/e2e",
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  // Per run when several run at once (PW_OUTPUT), else one place.
  outputDir: process.env.PW_OUTPUT ?? "test-results/artifacts",
  use: {
    browserName: "chromium",
    viewport: { width: 1200, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      // This machine's network is closed: Chromium must not call home.
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
