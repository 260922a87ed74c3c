/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';

// The API's own paths. `npm run dev` forwards them to a local API, so the
// app and the API share one origin as they do when the API serves dist/.
const apiPaths = /^\/(login|logout|authenticate|me|users|invite|healthz|readyz|openapi\.json|swagger-ui)(\/|\?|$)/;

export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), '');
  const devApiUrl = env.DEV_API_URL || 'http://127.0.0.1:8080';

  return {
    plugins: [react()],
    server: {
      proxy: {
        [apiPaths.source]: {
          target: devApiUrl,
          // Keeps the browser's Host and Origin, so the API's Origin check
          // gets the dev server's origin, which WEB_URL must name.
          changeOrigin: false,
          // A page load of /users or /me is a visit to the app, not an API
          // call, so Vite serves index.html for it. The API's own pages pass.
          bypass: (request) => {
            const isPageLoad = request.method === 'GET' && request.headers.accept?.includes('text/html');
            const isApiPage = /^\/(authenticate|swagger-ui)/.test(request.url ?? '');
            return isPageLoad && !isApiPage ? '/index.html' : undefined;
          },
        },
      },
    },
    test: {
      environment: 'jsdom',
      globals: true,
      setupFiles: ['src/test/setup.ts'],
      include: ['src/**/*.test.{ts,tsx}'],
      css: false,
    },
  };
});
