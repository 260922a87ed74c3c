import '@fontsource-variable/inter';
import './styles.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';

import { App } from './App';
import { createApi } from './api/client';

const container = document.getElementById('root');
if (!container) {
  throw new Error('index.html has no #root element');
}

createRoot(container).render(
  <StrictMode>
    <BrowserRouter>
      <App api={createApi()} />
    </BrowserRouter>
  </StrictMode>,
);
