import assert from 'node:assert/strict';
import type { ChaosReport } from '../../bench/chaos';

/** A chaos run's books balance: every film done, every acknowledged webhook applied, nothing done twice. */
export function assertNothingLost(report: ChaosReport): void {
  const summary = JSON.stringify(report);
  assert.equal(report.completed, report.projects, summary);
  assert.equal(report.acknowledgedNotApplied, 0, summary);
  assert.equal(report.webhooksApplied, report.webhooksAcknowledged, summary);
  assert.equal(report.duplicateTasks, 0, summary);
  assert.equal(report.notificationsSent, report.projects, summary);
  assert.ok(report.ok, summary);
}
