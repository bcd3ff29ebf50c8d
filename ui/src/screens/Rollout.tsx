// An application's rollout (GET …/rollout): the revision it moves, its state and message, the
// waves as a row of stages with their targets, soak countdowns and approvals, and for operators
// and admins the actions the state allows. The application screen reloads it on live rollout and
// target events (`version`).
import { useEffect, useRef, useState } from 'react';
import { api, must, type Rollout, type Wave } from '../api/client';
import { ErrorBox, Loading, RolloutBadge } from '../components/Status';
import { ago, short, when } from '../format';
import { useAction, useLoad, useNow } from '../hooks';
import { Link, targetPath } from '../router';
import { allows, currentWave, ROLLOUT_ACTIONS, type RolloutAction, secondsText, soakLeft } from './rollout-model';

const PATHS = {
  pause: '/api/v1/applications/{name}/rollout/pause',
  resume: '/api/v1/applications/{name}/rollout/resume',
  approve: '/api/v1/applications/{name}/rollout/approve',
  promote: '/api/v1/applications/{name}/rollout/promote',
  abort: '/api/v1/applications/{name}/rollout/abort',
} as const;

const LABEL: Record<RolloutAction, string> = { pause: 'Pause', resume: 'Resume', approve: 'Approve', promote: 'Promote', abort: 'Abort' };
const HELP: Record<RolloutAction, string> = {
  pause: 'no new wave starts and no more targets are released',
  resume: 'go on after a pause, or after a halt (the current wave runs again)',
  approve: 'start the wave that waits for approval',
  promote: "end the current wave's soak now",
  abort: 'move every target the rollout moved back to the revision it held',
};

interface Read {
  rollout: Rollout | null;
  /** why there is none (404) */
  none: string | null;
  /** Date.now() of the read: the soak countdown counts from it */
  readAt: number;
}

export function RolloutPanel({ application, version, canAct, onChanged }: { application: string; version: number; canAct: boolean; onChanged: () => void }) {
  const read = useLoad(async (): Promise<Read> => {
    const res = await api.GET('/api/v1/applications/{name}/rollout', { params: { path: { name: application } } });
    if (res.response.status === 404) return { rollout: null, none: (res.error as { message?: string } | undefined)?.message ?? 'no rollout yet', readAt: Date.now() };
    return { rollout: await must(Promise.resolve(res)), none: null, readAt: Date.now() };
  }, [application]);
  const [confirmAbort, setConfirmAbort] = useState(false);

  // a live event about the application: read again, keeping what is shown meanwhile
  // (reload is the same function throughout: the effect runs once per change of version)
  const { reload } = read;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else reload();
  }, [reload, version]);

  const act = useAction(async (action: RolloutAction) => {
    const rollout = await must(api.POST(PATHS[action], { params: { path: { name: application } } }));
    read.set(() => ({ rollout, none: null, readAt: Date.now() }));
    setConfirmAbort(false);
    onChanged();
    return { action, rollout };
  });
  const run = (action: RolloutAction) => void act.run(action);

  const r = read.data?.rollout ?? null;
  const now = useNow(!!r?.waves.some((w) => w.state === 'Soaking'));

  return (
    <section aria-labelledby="rollout-h" data-testid="rollout">
      <h2 id="rollout-h">Rollout</h2>
      <ErrorBox error={act.error ?? (read.data ? null : read.error)} />
      {!read.data ? (
        read.error ? null : (
          <Loading what="the rollout" />
        )
      ) : !r ? (
        <p className="muted" data-testid="rollout-none">
          {read.data.none}
        </p>
      ) : (
        <>
          <div className="rollout-head">
            <RolloutBadge state={r.state} testId="rollout-state" />
            <span>
              #{r.id} to <code title={r.revision}>{short(r.revision)}</code>{' '}
              <span className="muted" title={when(r.startedAt)}>
                — {r.trigger} by {r.actor}, started {ago(r.startedAt)}
                {r.finishedAt ? `, ended ${ago(r.finishedAt)}` : ''}
                {r.supersedes ? `, supersedes #${r.supersedes}` : ''}
              </span>
            </span>
            <span className="spacer" />
            {canAct ? <Actions rollout={r} busy={act.busy} run={run} confirmAbort={confirmAbort} setConfirmAbort={setConfirmAbort} /> : null}
          </div>
          <div role="status" aria-live="polite" className="notices">
            {act.result ? (
              <p className="ok">
                {LABEL[act.result.action]}: rollout #{act.result.rollout.id} is {act.result.rollout.state}.
              </p>
            ) : null}
          </div>
          {r.message ? (
            <p className={r.state === 'Halted' || r.state === 'RolledBack' ? 'error' : 'notice'} data-testid="rollout-message">
              {r.message}
              {r.haltedTarget?.cluster ? ` (halted by ${r.haltedTarget.cluster}/${r.haltedTarget.namespace})` : ''}
            </p>
          ) : null}
          <ol className="stages" data-testid="rollout-stages" aria-label="waves, in order">
            {r.waves.map((w) => (
              <Stage key={w.name} application={application} wave={w} current={w === currentWave(r) && r.state !== 'Completed'} soak={soakLeft(w, read.data!.readAt, now)} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function Actions({
  rollout,
  busy,
  run,
  confirmAbort,
  setConfirmAbort,
}: {
  rollout: Rollout;
  busy: boolean;
  run: (a: RolloutAction) => void;
  confirmAbort: boolean;
  setConfirmAbort: (v: boolean) => void;
}) {
  if (confirmAbort) {
    return (
      <span className="confirm" data-testid="rollout-confirm-abort">
        Move every target rollout #{rollout.id} moved back?{' '}
        <button type="button" className="danger small" onClick={() => run('abort')} disabled={busy || !allows(rollout, 'abort')}>
          Confirm abort
        </button>{' '}
        <button type="button" className="small" onClick={() => setConfirmAbort(false)}>
          Cancel
        </button>
      </span>
    );
  }
  return (
    <span className="rollout-actions" data-testid="rollout-actions">
      {ROLLOUT_ACTIONS.map((a) => (
        <button
          key={a}
          type="button"
          className={a === 'approve' && allows(rollout, a) ? 'primary' : undefined}
          onClick={() => (a === 'abort' ? setConfirmAbort(true) : run(a))}
          disabled={busy || !allows(rollout, a)}
          title={HELP[a]}
          data-action={a}
        >
          {LABEL[a]}
        </button>
      ))}
    </span>
  );
}

function Stage({ application, wave: w, current, soak }: { application: string; wave: Wave; current: boolean; soak: number | null }) {
  return (
    <li className={`stage wave-${w.state}`} data-testid="rollout-stage" data-wave={w.name} data-state={w.state} aria-current={current ? 'step' : undefined}>
      <div className="stage-head">
        <strong>{w.name}</strong> <RolloutBadge state={w.state} />
      </div>
      <div className="stage-meta">
        <span data-testid="wave-progress">
          {w.done}/{w.total} healthy
        </span>
        {soak !== null ? (
          <span data-testid="soak-timer" title={`Healthy since ${when(w.soakStartedAt)}; ${secondsText(w.soakSeconds)} of soak`}>
            soak {secondsText(soak)} left
          </span>
        ) : w.promotedBy ? (
          <span>promoted by {w.promotedBy}</span>
        ) : w.soakSeconds ? (
          <span className="muted">soak {secondsText(w.soakSeconds)}</span>
        ) : null}
        {w.approval ? (
          <span data-testid="approval" className={`approval${w.approvedBy ? ' approved' : w.state === 'AwaitingApproval' ? ' waiting' : ''}`}>
            {w.approvedBy ? `✓ approved by ${w.approvedBy}` : w.state === 'AwaitingApproval' ? 'awaiting approval' : 'needs approval'}
          </span>
        ) : null}
        {w.maxParallel !== null ? <span className="muted">{w.maxParallel} at once</span> : null}
      </div>
      {w.targets.length ? (
        <ul className="stage-targets">
          {w.targets.map((t) => (
            <li key={`${t.cluster}/${t.namespace}`} data-target={`${t.cluster}/${t.namespace}`} data-state={t.state} title={t.message ?? undefined}>
              <Link to={targetPath(application, t.cluster, t.namespace)}>
                {t.cluster}/{t.namespace}
              </Link>{' '}
              <RolloutBadge state={t.state} />
              {t.message ? <div className="muted small stage-msg">{t.message}</div> : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">no targets</p>
      )}
    </li>
  );
}
