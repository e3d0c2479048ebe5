import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the APIs to a `lanterne serve` on :3000 (LANTERNE_URL to change).
const target = process.env.LANTERNE_URL ?? "http://localhost:3000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { "/api": target, "/v1": target } },
});
