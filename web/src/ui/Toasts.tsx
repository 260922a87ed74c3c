import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

export type ToastTone = 'success' | 'error';

interface Toast {
  id: number;
  tone: ToastTone;
  message: string;
}

interface ToastContextValue {
  notify(tone: ToastTone, message: string): void;
  /** Removes every notice, for example the ones that name users after sign-out. */
  clear(): void;
}

const ToastContext = createContext<ToastContextValue | null>(null);

const VISIBLE_MS: Record<ToastTone, number> = { success: 5000, error: 9000 };
const MAX_TOASTS = 4;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const notify = useCallback((tone: ToastTone, message: string) => {
    const id = nextId.current++;
    setToasts((current) => {
      // A success means the user fixed what failed, so older errors would
      // only contradict it.
      const remaining = tone === 'success' ? current.filter((toast) => toast.tone !== 'error') : current;
      return [...remaining, { id, tone, message }].slice(-MAX_TOASTS);
    });
  }, []);

  const clear = useCallback(() => setToasts([]), []);

  const value = useMemo(() => ({ notify, clear }), [notify, clear]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      {createPortal(
        // Success notices are read out through the polite live region; errors
        // carry role="alert", which screen readers announce at once.
        <section className="toasts" aria-label="Notifications" aria-live="polite" aria-relevant="additions">
          {toasts.map((toast) => (
            <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
          ))}
        </section>,
        document.body,
      )}
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss(id: number): void }) {
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) {
      return;
    }
    const timer = window.setTimeout(() => onDismiss(toast.id), VISIBLE_MS[toast.tone]);
    return () => window.clearTimeout(timer);
  }, [paused, toast, onDismiss]);

  return (
    <div
      className={`toast toast-${toast.tone}`}
      role={toast.tone === 'error' ? 'alert' : undefined}
      onMouseEnter={() => setPaused(true)}
      onMouseLeave={() => setPaused(false)}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <span className="toast-icon" aria-hidden="true">
        {toast.tone === 'success' ? (
          <svg viewBox="0 0 20 20" width="18" height="18">
            <circle cx="10" cy="10" r="9" fill="currentColor" />
            <path d="M6 10.5l2.6 2.6L14 7.6" stroke="#fff" strokeWidth="2" fill="none" strokeLinecap="round" strokeLinejoin="round" />
          </svg>
        ) : (
          <svg viewBox="0 0 20 20" width="18" height="18">
            <circle cx="10" cy="10" r="9" fill="currentColor" />
            <path d="M10 5.5v5.5M10 14.2v.3" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
          </svg>
        )}
      </span>
      <p className="toast-message">{toast.message}</p>
      <button type="button" className="icon-button toast-close" aria-label="Dismiss notification" onClick={() => onDismiss(toast.id)}>
        <svg aria-hidden="true" viewBox="0 0 20 20" width="16" height="16">
          <path d="M5 5l10 10M15 5L5 15" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
      </button>
    </div>
  );
}

export function useToasts(): ToastContextValue {
  const toasts = useContext(ToastContext);
  if (!toasts) {
    throw new Error('useToasts must be used inside <ToastProvider>');
  }
  return toasts;
}
