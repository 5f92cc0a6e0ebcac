import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeTask } from '#shared/workflow.ts';

const sfn = mockClient(SFNClient);
beforeEach(() => sfn.reset());
afterEach(() => sfn.reset());

describe('answering a parked human step', () => {
  it('sends success with the output as JSON', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});

    await resumeTask('token-1', { approved: true });

    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-1',
      output: '{"approved":true}',
    });
  });

  it('sends a failure with the error name the state machine catches', async () => {
    sfn.on(SendTaskFailureCommand).resolves({});

    await resumeTask('token-2', { error: 'WorkOrder.Rejected', cause: 'Under warranty' });

    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toEqual({
      taskToken: 'token-2',
      error: 'WorkOrder.Rejected',
      cause: 'Under warranty',
    });
  });

  it('treats a token that timed out or no longer exists as already answered', async () => {
    sfn
      .on(SendTaskSuccessCommand, { taskToken: 'gone' })
      .rejects(new TaskDoesNotExist({ message: 'gone', $metadata: {} }))
      .on(SendTaskSuccessCommand, { taskToken: 'late' })
      .rejects(new TaskTimedOut({ message: 'late', $metadata: {} }));

    await expect(resumeTask('gone')).resolves.toBeUndefined();
    await expect(resumeTask('late')).resolves.toBeUndefined();
  });

  it('lets any other failure through, so the caller answers 5xx and the client retries', async () => {
    sfn.on(SendTaskSuccessCommand).rejects(new Error('throttled'));

    await expect(resumeTask('token-3')).rejects.toThrow('throttled');
  });
});
