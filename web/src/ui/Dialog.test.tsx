import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';

import { Dialog } from './Dialog';

function Harness() {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open ? (
        <Dialog title="Rename" description="Choose a new name." onClose={() => setOpen(false)}>
          <input aria-label="New name" data-autofocus />
          <button type="button">Save</button>
        </Dialog>
      ) : null}
    </>
  );
}

function renderInRoot() {
  const root = document.createElement('div');
  root.id = 'root';
  document.body.appendChild(root);
  render(<Harness />, { container: root });
  return root;
}

describe('Dialog', () => {
  it('is named by its title and description', async () => {
    renderInRoot();
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));

    const dialog = screen.getByRole('dialog', { name: 'Rename' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(dialog).toHaveAccessibleDescription('Choose a new name.');
  });

  it('focuses the marked field and makes the app inert', async () => {
    const root = renderInRoot();
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));

    expect(screen.getByLabelText('New name')).toHaveFocus();
    expect(root).toHaveAttribute('inert');
  });

  it('keeps Tab and Shift+Tab inside', async () => {
    renderInRoot();
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));
    const close = screen.getByRole('button', { name: 'Close dialog' });
    const save = screen.getByRole('button', { name: 'Save' });

    save.focus();
    await userEvent.tab();
    expect(close).toHaveFocus();

    await userEvent.tab({ shift: true });
    expect(save).toHaveFocus();
  });

  it('closes on Escape and gives focus back', async () => {
    const root = renderInRoot();
    const opener = screen.getByRole('button', { name: 'Open' });
    await userEvent.click(opener);

    await userEvent.keyboard('{Escape}');

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(root).not.toHaveAttribute('inert');
  });

  it('closes from its close button', async () => {
    renderInRoot();
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));

    await userEvent.click(screen.getByRole('button', { name: 'Close dialog' }));

    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
