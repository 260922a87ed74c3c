import { render } from '@testing-library/react';
import { MemoryRouter, useLocation } from 'react-router';

import { App } from '../App';
import { createApi } from '../api/client';
import type { FakeApi } from './fakeApi';

/** Shows the router's current location, so tests can read where the app went. */
function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Renders the whole app at `path` against `fakeApi`, inside a #root element as in index.html. */
export function renderApp(fakeApi: FakeApi, path = '/') {
  const root = document.createElement('div');
  root.id = 'root';
  document.body.appendChild(root);

  const api = createApi({ baseUrl: 'http://api.test', fetch: fakeApi.fetch });
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App api={api} />
      <LocationProbe />
    </MemoryRouter>,
    { container: root },
  );
}
