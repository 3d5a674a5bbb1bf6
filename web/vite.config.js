import { defineConfig } from 'vite';

// The Rust binary embeds dist/ and serves index.html at / and /map, with the
// bundled files under /assets/.
export default defineConfig({
  base: '/',
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
