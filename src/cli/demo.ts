import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import dotenv from 'dotenv';
import { devKeyFile } from '../dev/dev-client';
import { checkPlayableVideo } from '../dev/playable-video';
import { projectRoot } from '../platform/project-root';
import type { ProjectView } from '../http/projects/project-view';

/**
 * `npm run demo`: creates a 5-scene film on the running stack (`npm start`) and follows it to the end
 * with a progress bar, then prints the project, where to see its workflow in the Temporal UI, and the
 * film: checked to answer as a playable video, with its duration.
 */
dotenv.config({ quiet: true });
const gatewayUrl = (process.env.REELAY_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
const temporalUiUrl = (process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233').replace(/\/+$/, '');
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
const timeoutMs = Number(process.env.DEMO_TIMEOUT_MS ?? 5 * 60_000);
/** A client's key: REELAY_API_KEY, else the development key `npm start` made. */
const apiKey = process.env.REELAY_API_KEY || readDevKey();

function readDevKey(): string | undefined {
  try {
    return readFileSync(devKeyFile(join(projectRoot, '.data')), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

const story = [
  'A lighthouse keeper lights the lamp as a storm rolls in over the sea',
  'The beam sweeps across the waves and catches a small sailboat in trouble',
  'The keeper rows out through the rain towards the boat',
  'He pulls a soaked child aboard as lightning splits the sky',
  'Dawn: the two of them drink tea by the lamp as the sea calms',
];

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gatewayUrl}${path}`, { ...init, headers: { ...init?.headers, authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as T };
}

/** Steps a film goes through: each scene's video and last frame, then the stitch. */
function stepsDone(project: ProjectView): number {
  const sceneSteps = project.scenes.reduce((n, s) => n + (s.video_url ? 1 : 0) + (s.last_frame_url ? 1 : 0), 0);
  return sceneSteps + (project.final_video_url ? 1 : 0);
}

async function main() {
  try {
    await fetch(`${gatewayUrl}/health`);
  } catch {
    console.error(`Reelay is not answering at ${gatewayUrl}. Start it first with: npm start`);
    process.exit(1);
  }

  if (!apiKey) {
    console.error('No API key: set REELAY_API_KEY to a client\'s key (npm run clients -- create <name>), or start Reelay with npm start, which makes one');
    process.exit(1);
  }

  const projectId = `demo-${new Date().toISOString().replace(/[-:.TZ]/g, '')}`;
  const created = await api<{ project_id: string; workflow_id: string; error?: string; message?: string }>('/api/v1/projects', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ project_id: projectId, user_id: 'demo-user', scenes: story.map((prompt) => ({ prompt, duration: 5 })) }),
  });
  if (created.status >= 300) {
    console.error(`Could not create the project (${created.status}): ${created.body.message ?? JSON.stringify(created.body)}`);
    process.exit(1);
  }
  const { workflow_id: workflowId } = created.body;
  console.log(`Created project ${projectId} (workflow ${workflowId})`);

  const total = story.length * 2 + 1;
  const bar = new SingleBar({ format: ' {bar} {value}/{total} steps | {status} | {duration}s' }, Presets.shades_classic);
  bar.start(total, 0, { status: 'pending' });
  const deadline = Date.now() + timeoutMs;
  let project: ProjectView;
  for (;;) {
    project = (await api<ProjectView>(`/api/v1/projects/${encodeURIComponent(projectId)}`)).body;
    const scene = project.scenes.find((s) => s.status !== 'completed');
    const status = project.status === 'generating' && scene ? `scene ${scene.index + 1}/${story.length}: ${scene.status}` : project.status;
    bar.update(stepsDone(project), { status });
    if (project.status === 'completed' || project.status === 'failed' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  bar.stop();

  console.log(JSON.stringify(project, null, 2));
  console.log(`\nWorkflow in the Temporal UI: ${temporalUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`);
  if (project.status !== 'completed') {
    console.error(project.status === 'failed' ? `Project failed: ${project.failure_reason}` : 'Timed out waiting for the film');
    process.exit(1);
  }
  // The film itself: it must answer as a video a browser plays, or the demo has not shown what it promises.
  const film = await checkPlayableVideo(project.final_video_url!).catch((err: Error) => {
    console.error(`The final video does not play: ${err.message}`);
    process.exit(1);
  });
  const length = film.seconds === undefined ? 'duration unknown (no ffmpeg here to read it)' : `${film.seconds.toFixed(1)} s`;
  console.log(`Final video: ${project.final_video_url}\n  ${film.contentType}, ${(film.bytes / 1024).toFixed(0)} KiB, ${length}: open it in a browser to watch the film`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
