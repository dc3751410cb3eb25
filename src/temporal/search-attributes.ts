import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes on each project workflow, so ops can filter in the Web UI or with
 * `temporal workflow list --query 'ProjectStatus="failed"'`.
 */
export const projectIdKey = defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD);
export const projectStatusKey = defineSearchAttributeKey('ProjectStatus', SearchAttributeType.KEYWORD);
export const currentSceneKey = defineSearchAttributeKey('CurrentScene', SearchAttributeType.INT);

const registrations = [
  ['ProjectId', 'Keyword'],
  ['ProjectStatus', 'Keyword'],
  ['CurrentScene', 'Int'],
] as const;

/** `--search-attribute` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return registrations.flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
