/** A rollout's stages as a timeline: done, current, to come, in words and marks (not colour alone). */
import type { Rollout } from '../../api/types.js';

const duration = (ms: number) =>
  ms >= 86_400_000
    ? `${ms / 86_400_000} d`
    : ms >= 3_600_000
      ? `${ms / 3_600_000} h`
      : ms >= 60_000
        ? `${ms / 60_000} min`
        : `${ms / 1000} s`;

/** The timeline. */
export function StageTimeline({ rollout }: { readonly rollout: Rollout }) {
  const rolledBack = rollout.status === 'rolled-back' || rollout.status === 'aborted';
  return (
    <ol class="timeline">
      {rollout.spec.stages.map((stage, i) => {
        const state =
          rollout.status === 'completed' || i < rollout.stage
            ? 'done'
            : i === rollout.stage
              ? rolledBack
                ? 'stopped'
                : 'current'
              : 'upcoming';
        const word = {
          done: '✓ done',
          current: '▶ current',
          stopped: '✕ stopped here',
          upcoming: '· to come',
        }[state];
        return (
          <li
            key={`stage-${stage.percent}`}
            class={`stage stage-${state}`}
            data-stage={i}
            data-state={state}
            aria-current={state === 'current' ? 'step' : undefined}
          >
            <span class="percent">{stage.percent}%</span>
            <span class="stage-state">{word}</span>
            {stage.minDurationMs > 0 && <span class="muted">at least {duration(stage.minDurationMs)}</span>}
          </li>
        );
      })}
    </ol>
  );
}
