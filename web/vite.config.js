import { defineConfig } from 'vite';

// The Rust binary embeds dist/ and serves index.html at /, /map and /embed, with the
// bundled files under /assets/. Asset URLs are relative (`./assets/...`) so that the
// folder `compute-atlas publish` writes works under any path prefix.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    target: 'es2020',
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
