// The worker's workflow bundle entry point: everything exported here is registered as a workflow.
export { projectWorkflow } from './project-workflow';
