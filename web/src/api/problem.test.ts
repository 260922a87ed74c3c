import { networkProblem, request, toProblem } from './problem';

describe('toProblem', () => {
  it('maps field errors by field name', () => {
    const problem = toProblem(400, {
      type: '/problems/invalid-input',
      title: 'Invalid input',
      status: 400,
      detail: 'These fields are invalid: name, email.',
      errors: [
        { field: 'name', message: 'must not be empty' },
        { field: 'email', message: 'must be an email address such as ada@example.com' },
        { field: 'email', message: 'a second message' },
      ],
    });

    expect(problem.status).toBe(400);
    expect(problem.detail).toBe('These fields are invalid: name, email.');
    expect(problem.fieldErrors).toEqual({
      name: 'must not be empty',
      email: 'must be an email address such as ada@example.com',
    });
  });

  it('describes a body that is not a problem', () => {
    const problem = toProblem(502, '<html>Bad gateway</html>');

    expect(problem.title).toBe('Request failed (502)');
    expect(problem.fieldErrors).toEqual({});
  });
});

describe('request', () => {
  it('turns a rejected fetch into a network problem', async () => {
    const result = await request(Promise.reject(new TypeError('Failed to fetch')));

    expect(result).toEqual({ ok: false, problem: networkProblem });
  });

  it('passes an abort on', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError');

    await expect(request(Promise.reject(abort))).rejects.toBe(abort);
  });

  it('returns data and status of a success', async () => {
    const response = new Response('{}', { status: 201 });

    expect(await request(Promise.resolve({ data: { id: 7 }, response }))).toEqual({ ok: true, data: { id: 7 }, status: 201 });
  });
});
