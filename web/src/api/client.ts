import createClient, { type Client } from 'openapi-fetch';

import type { components, paths } from './schema';

export type User = components['schemas']['User'];
export type Me = components['schemas']['Me'];
export type UserPage = components['schemas']['UserPage'];
export type ProblemDocument = components['schemas']['Problem'];

export type ApiClient = Client<paths>;

export interface Api {
  client: ApiClient;
  /** Registers a listener for every 401 response and returns a function that removes it. */
  onUnauthorized(listener: () => void): () => void;
}

export interface ApiOptions {
  /** The API's origin, empty for the app's own origin. */
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
}

/** Returns the API's origin as set at build time by VITE_API_URL. */
export function configuredBaseUrl(): string {
  const configured: string = import.meta.env.VITE_API_URL ?? '';
  return configured.replace(/\/+$/, '');
}

/**
 * Creates the typed client for the API described by openapi.yaml. Every
 * request carries the session cookie, also when the API is on another origin.
 */
export function createApi(options: ApiOptions = {}): Api {
  const listeners = new Set<() => void>();

  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? configuredBaseUrl(),
    credentials: 'include',
    headers: { Accept: 'application/json' },
    // Reads globalThis.fetch at call time, so a test can replace it later.
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
  });

  client.use({
    onResponse({ response }) {
      if (response.status === 401) {
        for (const listener of [...listeners]) {
          listener();
        }
      }
    },
  });

  return {
    client,
    onUnauthorized(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
