import { defineConfig } from 'vite';
import { resolve } from 'node:path';

// The Rust binary embeds dist/ and serves index.html at /, /map and /embed, with the
// bundled files under /assets/. Asset URLs are relative (`./assets/...`) so that the
// folder `compute-atlas publish` writes works under any path prefix.
//
// A second entry, src/pagemap.js, is the small map of the HTML items and item pages. Its
// file names carry content hashes like every asset (they are cached for a year), so the
// server finds them in the manifest (dist/.vite/manifest.json, which publish leaves out).
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    manifest: true,
    chunkSizeWarningLimit: 1500,
    target: 'es2020',
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        pagemap: resolve(import.meta.dirname, 'src/pagemap.js'),
      },
    },
  },
  server: {
    // `npm run dev` proxies the API to a running atlas server (ATLAS_API, default port 8787).
    proxy: Object.fromEntries(
      ['/collections', '/analytics', '/plots', '/config.json'].map((p) => [
        p,
        process.env.ATLAS_API || 'http://127.0.0.1:8787',
      ]),
    ),
  },
});
