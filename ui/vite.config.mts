// The web UI's build: `npm run build:ui` → ui/dist, served by the service at / (src/web). The
// output is files only — one module script, one stylesheet — so it runs under the service's
// Content Security Policy (script-src 'self', style-src 'self': nothing inline).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // the polyfill would be bundled, not inline, but every browser this serves has modulepreload
    modulePreload: { polyfill: false },
    // images stay files or data: URLs (img-src allows both); nothing else may be inlined
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    // `npm run dev:ui`: the API of a service running on :8080 (FLOTILLA_API_URL to change it)
    proxy: { '/api': { target: process.env.FLOTILLA_API_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
