import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { ToastProvider, useToasts } from './Toasts';

function Buttons() {
  const { notify } = useToasts();
  return (
    <>
      <button type="button" onClick={() => notify('error', 'The invitation was not sent.')}>
        Fail
      </button>
      <button type="button" onClick={() => notify('success', 'Invitation sent.')}>
        Succeed
      </button>
    </>
  );
}

test('a success notice replaces earlier error notices', async () => {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <Buttons />
    </ToastProvider>,
  );

  await user.click(screen.getByRole('button', { name: 'Fail' }));
  expect(screen.getByRole('alert')).toHaveTextContent('The invitation was not sent.');

  await user.click(screen.getByRole('button', { name: 'Succeed' }));
  expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  expect(screen.getByText('Invitation sent.')).toBeInTheDocument();
});

test('error notices stack until dismissed', async () => {
  const user = userEvent.setup();
  render(
    <ToastProvider>
      <Buttons />
    </ToastProvider>,
  );

  await user.click(screen.getByRole('button', { name: 'Fail' }));
  await user.click(screen.getByRole('button', { name: 'Fail' }));
  expect(screen.getAllByRole('alert')).toHaveLength(2);
});
