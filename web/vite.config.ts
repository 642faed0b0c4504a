// Builds the workspace into dist/, which CMake embeds into the `easel` binary (web/CMakeLists.txt).
// `npm run dev` serves it with hot reload and forwards the API to a local `easel serve --port 8080`.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Everything lives in the binary: no inlined data URLs needed, no files from elsewhere.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: {
    proxy: { '/v1': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' },
  },
});
