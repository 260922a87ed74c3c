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
          // sees the dev server's origin (set WEB_URL to it).
          changeOrigin: false,
          // A page load of an app route such as /users would otherwise be proxied.
          bypass: (request) =>
            request.method === 'GET' && request.headers.accept?.includes('text/html') && !request.url?.startsWith('/authenticate')
              ? request.url
              : undefined,
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
