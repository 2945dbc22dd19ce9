// Vite build of the console into web/dist, served by `stele serve` at /. Vite 8 transforms with Oxc
// (its `esbuild` option is deprecated), so the automatic JSX runtime is set there: no React plugin.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
});
