import type { ReactNode } from 'react';

export interface AlertProps {
  tone: 'error' | 'info' | 'success';
  title?: string;
  children: ReactNode;
}

/** Renders a message box inside the page. Screen readers announce errors at once. */
export function Alert({ tone, title, children }: AlertProps) {
  return (
    <div className={`alert alert-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {title ? <p className="alert-title">{title}</p> : null}
      <div className="alert-body">{children}</div>
    </div>
  );
}
