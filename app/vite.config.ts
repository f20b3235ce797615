import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// A static build with relative paths: an institution hosts `dist/` (and its
// own `config.json` beside `index.html`) anywhere, under any path.
export default defineConfig({
  base: "./",
  plugins: [react()],
  build: { target: "es2022", sourcemap: false },
  test: { include: ["src/**/*.test.ts"] },
});
