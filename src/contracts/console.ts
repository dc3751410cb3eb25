import type { ProviderCost } from './providers';
import type { ProjectStatus, SceneStatus } from './statuses';
import type { Step } from './steps';

/**
 * What the operator's console shows, as the admin API answers it (GET /api/v1/projects,
 * GET /api/v1/projects/:id/storyboard) and the live stream pushes it. Shared by the gateway and the
 * browser app, so both sides agree on every field.
 */

export interface FilmSummary {
  project_id: string;
  /** The client that made the film; null for the operator's films. */
  client: string | null;
  status: ProjectStatus;
  scenes_total: number;
  scenes_completed: number;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** A client of the project API with its quotas and usage, as GET /api/v1/clients answers it. */
export interface ClientSummary {
  name: string;
  requests_per_minute: number | null;
  max_running_films: number | null;
  created_at: string;
  running_films: number;
  working_keys: number;
  effective: { requests_per_minute: number; max_running_films: number };
}

export interface FilmList {
  data: FilmSummary[];
  next_cursor: string | null;
}

export interface StoryboardScene {
  index: number;
  scene_id: string;
  prompt: string;
  status: SceneStatus;
  attempts: number;
  failure_reason: string | null;
  /** The frame this scene was seeded with: the previous scene's last frame (null for the first). */
  start_frame_url: string | null;
  video_url: string | null;
  thumbnail_url: string | null;
  last_frame_url: string | null;
  completed_at: string | null;
  /** What the scene's video cost at its provider, when the provider says (docs/providers.md). */
  cost: ProviderCost | null;
  /** Review films (docs/review.md): every video made for the scene, the one in use, and whether it still starts where the scene before ends. */
  takes: SceneTake[];
  chosen_take: number | null;
  chain_broken: boolean;
}

/** One video made for a scene, as GET /api/v1/projects/:id answers it. */
export interface SceneTake {
  take: number;
  prompt: string;
  seed: number | null;
  options: unknown;
  cost: ProviderCost | null;
  start_frame_url: string | null;
  video_url: string | null;
  thumbnail_url: string | null;
  last_frame_url: string | null;
  created_at: string;
}

/** A film's review state: what waits for a person (a scene or the stitch) and until when. */
export interface FilmReview {
  /** `none`, `each_scene` or `before_stitch`. */
  mode: string;
  awaiting: { scene_index: number } | { stitch: true } | null;
  /** While it awaits review, or after a stitch while the film stays open for changes: when that ends. */
  timeout_at: string | null;
  /** What a wait that times out does: `approve` or `fail`. */
  timeout_action: string | null;
}

/** What the film has spent (every take, chosen or not) against its limit, in its provider's unit. */
export interface FilmSpend {
  spent: number;
  limit: number | null;
  unit: string | null;
}

/** A stitched version of a review film: each change after a stitch makes the next one; all stay playable. */
export interface FilmCut {
  cut: number;
  video_url: string;
  created_at: string;
}

/** One step of the film, from its request to the callback that finished it. */
export interface TimelineStep {
  step: Step;
  scene_index: number | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  /** `completed`, `failed` (a callback said so), or `running`. */
  outcome: 'completed' | 'failed' | 'running';
}

/** The step the workflow is on right now (its `progress` query), while the film runs. */
export interface LiveStep {
  step: Step;
  scene_index: number | null;
  attempt: number;
  phase: 'requesting' | 'waiting' | 'backing_off';
  until: string | null;
}

export interface Storyboard {
  project_id: string;
  workflow_id: string;
  status: ProjectStatus;
  failure_reason: string | null;
  final_video_url: string | null;
  thumbnail_url: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** The film's workflow in the Temporal Web UI, when its URL is known (TEMPORAL_UI_URL). */
  workflow_url: string | null;
  /** The video provider and model the scenes are made with (`guide`: the services' guide, no model). */
  provider: string;
  model: string | null;
  /** The scenes' cost so far, one total per unit. */
  cost: ProviderCost[];
  current: LiveStep | null;
  /** While one of its scenes waits for a slot under its provider's cap: which provider, and its place in line (1: next). */
  queue: { provider: string; position: number } | null;
  review: FilmReview;
  spend: FilmSpend;
  cuts: FilmCut[];
  scenes: StoryboardScene[];
  timeline: TimelineStep[];
}

/** What the console's session answers: the CSRF token for changes, and links it needs. */
export interface ConsoleSessionInfo {
  csrf_token: string;
  expires_at: string;
  temporal_ui_url: string | null;
}

export const terminalStatuses: readonly ProjectStatus[] = ['completed', 'failed', 'cancelled'];
