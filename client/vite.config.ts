import react from '@vitejs/plugin-react';
import { defineConfig, type ProxyOptions } from 'vite';

/** Where `vite` (dev) proxies API calls; `WEFT_DEV_SERVER_URL` points it at another Weft server. */
const SERVER = process.env.WEFT_DEV_SERVER_URL ?? 'http://127.0.0.1:8787';

/**
 * The server refuses state-changing requests and WebSocket upgrades from a
 * foreign Origin, and the dev server's origin is foreign to it: present the
 * server's own origin instead (dev only; the built app is same-origin).
 */
const toServer = (extra: ProxyOptions = {}): ProxyOptions => ({
  target: SERVER,
  changeOrigin: true,
  configure: (proxy) => {
    proxy.on('proxyReq', (request) => {
      if (request.getHeader('origin') !== undefined) request.setHeader('origin', SERVER);
    });
    proxy.on('proxyReqWs', (request) => {
      if (request.getHeader('origin') !== undefined) request.setHeader('origin', SERVER);
    });
  },
  ...extra,
});

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': toServer(),
      '/ws': toServer({ ws: true }),
      '/login': toServer(),
      '/auth': toServer(),
      '/hooks': toServer(),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
  },
});
