import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// The Reel server a developer runs with `make run`; the dev server forwards the API and the media to it.
const REEL_SERVER = 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [svelte()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': REEL_SERVER,
      '/media': REEL_SERVER,
      // Signed stream links (/s/{token}/…); a pattern, so that /signin stays the app's.
      '^/s/': REEL_SERVER,
      '/.well-known': REEL_SERVER,
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // The full hls.js (about 600 kB, alternate audio included) is loaded only for videos with several audio
    // tracks, on demand; every other chunk stays well below this.
    chunkSizeWarningLimit: 650,
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
