// scripts/app-bench: the app's first-load size and how fast My credits
// lists a holder's ids, in the same Chromium as the tests.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "tests/bench",
  testMatch: "*.bench.ts",
  timeout: 300_000,
  reporter: [["line"]],
});
