import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  build: {
    // elkjs alone is about 1.4 MB; it is its own chunk, loaded when a layout is first asked for.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
    },
  },
});
