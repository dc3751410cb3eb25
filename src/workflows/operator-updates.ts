import { setHandler, type CancellationScope } from '@temporalio/workflow';
import type { ProjectProgress, ProjectStatus } from '../contracts/progress';
import { cancelProjectUpdate, requestNowUpdate, retrySceneUpdate } from '../contracts/workflow-api';
import type { Interrupts } from './step-runner';

export interface OperatorInterrupts extends Interrupts {
  retry: boolean;
  cancelReason?: string;
}

const finished: ReadonlySet<ProjectStatus> = new Set(['completed', 'cancelled']);

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/**
 * What an operator can ask of a running film (`temporal workflow update execute --name ...`): cancel it,
 * retry a failed one from the step that failed, or ask the service again now. Each is validated first,
 * so a request that cannot apply is refused without a trace in the history.
 */
export function handleOperatorUpdates(progress: ProjectProgress, interrupts: OperatorInterrupts, film: CancellationScope): void {
  const sceneIndexOf = (sceneId?: string) => progress.scenes.find((s) => s.sceneId === sceneId)?.index ?? null;
  setHandler(
    cancelProjectUpdate,
    (request) => {
      interrupts.cancelReason = request?.reason ?? 'cancelled by an operator';
      film.cancel();
      return { status: 'cancelling' as const };
    },
    { validator: (_request) => assert(!finished.has(progress.status), `the project is already ${progress.status}`) },
  );
  setHandler(
    retrySceneUpdate,
    () => {
      interrupts.retry = true;
      const failure = progress.failure!;
      return { resumedAt: { step: failure.step, sceneIndex: sceneIndexOf(failure.sceneId) } };
    },
    { validator: () => assert(progress.status === 'failed' && !!progress.failure, `only a failed project can be retried (it is ${progress.status})`) },
  );
  setHandler(
    requestNowUpdate,
    () => {
      interrupts.requestNow = true;
      const current = progress.current!;
      return { step: current.step, sceneIndex: current.sceneIndex, attempt: current.attempt };
    },
    {
      validator: () =>
        assert(progress.current?.phase === 'waiting' || progress.current?.phase === 'backing_off', 'the project is not waiting for a callback'),
    },
  );
}
