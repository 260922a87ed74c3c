import { Navigate, Route, Routes } from 'react-router';

import { ApiProvider } from './api/ApiContext';
import type { Api } from './api/client';
import { AuthProvider } from './auth/AuthContext';
import { RequireSession } from './auth/RequireSession';
import { DashboardPage } from './pages/DashboardPage';
import { SignInPage } from './pages/SignInPage';
import { ToastProvider } from './ui/Toasts';

/** Renders the app without a router, so that tests can wrap it in a memory router. */
export function App({ api }: { api: Api }) {
  return (
    <ApiProvider api={api}>
      <ToastProvider>
        <AuthProvider>
          <Routes>
            <Route path="/" element={<RequireSession>{(me) => <DashboardPage me={me} />}</RequireSession>} />
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </AuthProvider>
      </ToastProvider>
    </ApiProvider>
  );
}
